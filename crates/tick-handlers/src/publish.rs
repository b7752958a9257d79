//! The `publish` handler (Kapacitor's `HandlerSpec`, services/alert/dao.go, and `createHandlerFromSpec`, services/alert/service.go at v1.5.7, handler files only): `kind: publish` with `topics: [..]`
//! hands every event it receives to other topics. Owns its options and their checks.
//!
//! `tick run` does not build a [`PublishHandler`]: it registers publish files with
//! `tick_engine::topics::Topics::add_publish_handler`, which collects the event into the
//! targets synchronously (no queue, so nothing races the end-of-input drain, and cycles are
//! caught). [`PublishHandler`] is for callers with topics of their own: they supply a
//! [`Republish`] callback in [`crate::Services`]; without one, building it fails with a clear
//! error.

use std::sync::Arc;

use serde::Deserialize;
use tick_engine::{Event, HandlerSpec, HandlerUse};

use crate::error::{BuildError, HandlerError};
use crate::registry::{Deliver, HandlerKind, Services};

/// The `publish` entry of the handler catalogue: handler files only, no TICKscript method.
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "publish";
    const SPEC: Option<HandlerSpec> = None;
    type Options = Options;
    type Handler = PublishHandler;

    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        Err(BuildError::UnsupportedKind(handler.kind.clone()))
    }

    fn build(
        options: Options,
        topic: &str,
        services: &Services,
    ) -> Result<PublishHandler, BuildError> {
        PublishHandler::new(options, topic, services.republish.as_ref())
    }
}

impl Deliver for PublishHandler {
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        PublishHandler::handle(self, event).await
    }
}

/// Hands an event to another topic: `(topic, event)`. Supplied by whoever owns the topics
/// (the engine via the binary); an `Err` is the reason the topic refused the event.
pub type Republish = Arc<dyn Fn(&str, &Event) -> Result<(), String> + Send + Sync>;

/// Publish handler options (`topics`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// The topics each event is handed to.
    pub topics: Vec<String>,
}

impl Options {
    /// Checks the options of a publish handler subscribed to `own_topic`: at least one
    /// topic, and not `own_topic` itself (every event would come straight back).
    pub fn validate(&self, own_topic: &str) -> Result<(), BuildError> {
        if self.topics.is_empty() {
            return Err(BuildError::InvalidPublish(
                "at least one topic is required".to_string(),
            ));
        }
        if let Some(t) = self.topics.iter().find(|t| t.as_str() == own_topic) {
            return Err(BuildError::InvalidPublish(format!(
                "cannot publish topic {t:?} to itself"
            )));
        }
        Ok(())
    }
}

/// A publish handler that hands events to a [`Republish`] callback.
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
        options.validate(own_topic)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn options(topics: &[&str]) -> Options {
        Options {
            topics: topics.iter().map(|t| t.to_string()).collect(),
        }
    }

    #[test]
    fn publish_options_need_a_topic_other_than_their_own() {
        assert!(options(&["ops", "audit"]).validate("cpu").is_ok());
        assert_eq!(
            options(&[]).validate("cpu").unwrap_err().to_string(),
            "invalid publish: at least one topic is required"
        );
        assert_eq!(
            options(&["ops", "cpu"])
                .validate("cpu")
                .unwrap_err()
                .to_string(),
            "invalid publish: cannot publish topic \"cpu\" to itself"
        );
    }
}
