//! One MQTT handler: a `.mqtt()` use or a `kind: mqtt` topic handler (Kapacitor's mqtt `HandlerConfig` and `Service.Handler`, services/mqtt/service.go at v1.5.7). Renders the
//! topic per event, takes the alert message as payload, and queues it on its broker's outbox
//! without waiting for the acknowledgement (pipelined, order kept). Owns no connection.

use std::fmt;
use std::sync::Arc;

use tick_engine::Event;

use crate::error::{BuildError, HandlerError};
use crate::mqtt::delivery::{Broker, MqttService};
use crate::mqtt::options::{Options, Qos};
use crate::mqtt::topic::TopicTemplate;

/// Publishes the alert message of every event it receives.
pub struct MqttHandler {
    broker: Arc<Broker>,
    topic: TopicTemplate,
    qos: Qos,
    retained: bool,
    topic_buf: String,
}

impl fmt::Debug for MqttHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MqttHandler")
            .field("broker", &self.broker.name)
            .field("topic", &self.topic)
            .field("qos", &self.qos)
            .field("retained", &self.retained)
            .finish()
    }
}

impl MqttHandler {
    /// Resolves the broker (`""` = default; unknown or disabled → `unknown MQTT broker "x"`)
    /// and parses the topic template.
    pub fn new(opts: Options, svc: &MqttService) -> Result<MqttHandler, BuildError> {
        let broker = svc.broker(&opts.broker_name).map_err(BuildError::Mqtt)?;
        let topic = TopicTemplate::parse(&opts.topic).map_err(BuildError::Mqtt)?;
        Ok(MqttHandler {
            broker,
            topic,
            qos: opts.qos,
            retained: opts.retained,
            topic_buf: String::new(),
        })
    }

    /// Queues the event's message; see [`MqttHandler::handle`]. Synchronous and non-blocking.
    pub fn publish(&mut self, event: &Event) -> Result<(), HandlerError> {
        let fail =
            |e: String| HandlerError::Mqtt(format!("failed to post message to MQTT broker: {e}"));
        self.topic
            .render(event, &mut self.topic_buf)
            .map_err(fail)?;
        tracing::debug!("ALERT {} {}", self.topic_buf, event.state.message);
        self.broker
            .enqueue(
                &self.topic_buf,
                event.state.message.as_bytes(),
                self.qos,
                self.retained,
            )
            .map_err(fail)
    }

    /// Renders the topic, takes `event.state.message` as the payload (exact bytes, no newline)
    /// and queues the publish. Returns once queued, not once acknowledged: delivery is counted
    /// by [`MqttService::drain`]. Errors: `missing MQTT topic`, a template error, an oversize
    /// alert, a full outbox.
    pub async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        self.publish(event)
    }
}
