//! The `publish` handler (spec §6.5, handler files only): `kind: publish` with `topics: [..]`
//! hands every event it receives to other topics. The topics belong to the engine, so the
//! caller supplies a [`Republish`] callback in [`crate::Services`]; without one, building a
//! publish handler fails with a clear "not supported yet" error.

use serde::Deserialize;
use tick_engine::Event;

use crate::error::{BuildError, HandlerError};
use crate::registry::Republish;

/// Publish handler options (`topics`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    pub topics: Vec<String>,
}

/// A publish handler.
pub struct PublishHandler {
    topics: Vec<String>,
    republish: Republish,
}

impl std::fmt::Debug for PublishHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublishHandler")
            .field("topics", &self.topics)
            .finish_non_exhaustive()
    }
}

impl PublishHandler {
    /// `own_topic` is the topic the handler subscribes to: publishing back to it would loop.
    pub fn new(
        options: Options,
        own_topic: &str,
        republish: Option<&Republish>,
    ) -> Result<PublishHandler, BuildError> {
        if options.topics.is_empty() {
            return Err(BuildError::InvalidPublish(
                "at least one topic is required".to_string(),
            ));
        }
        if let Some(t) = options.topics.iter().find(|t| t.as_str() == own_topic) {
            return Err(BuildError::InvalidPublish(format!(
                "cannot publish topic {t:?} to itself"
            )));
        }
        let republish = republish.ok_or(BuildError::PublishNotSupported)?.clone();
        Ok(PublishHandler {
            topics: options.topics,
            republish,
        })
    }

    /// The topics events are handed to.
    pub fn topics(&self) -> &[String] {
        &self.topics
    }

    /// Hands the event to each topic in order; the first refusal is returned after trying all.
    pub async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        let mut first_error = None;
        for topic in &self.topics {
            if let Err(reason) = (self.republish)(topic, event) {
                first_error.get_or_insert(HandlerError::Publish {
                    topic: topic.clone(),
                    reason,
                });
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}
