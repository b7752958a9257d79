//! The handlers of Kapacitor's alert node that tick knows but does not run: `kafka` (no Kafka
//! broker to prove it against), `hipChat` and `talk` (services that were shut down). Scripts
//! that use them are checked as Kapacitor checks them (the properties of `pipeline/alert.go` at
//! v1.5.7), then refused with a message that names the handler and says why, by `tick check`
//! and at start. Owns those three catalogue entries only.

use tick_engine::{ArgType, Event, HandlerSpec, HandlerUse, PropertySpec};

use crate::error::{BuildError, HandlerError};
use crate::registry::{Deliver, HandlerKind, Services};

/// Options of an unsupported handler in a handler file: anything, since it is refused anyway.
pub type Options = serde_json::Value;

/// A handler that is never built.
#[derive(Debug)]
pub struct UnsupportedHandler(std::convert::Infallible);

impl Deliver for UnsupportedHandler {
    async fn handle(&mut self, _event: &Event) -> Result<(), HandlerError> {
        match self.0 {}
    }
}

const fn string_property(name: &'static str) -> PropertySpec {
    PropertySpec {
        name,
        args: &[ArgType::String],
        variadic: None,
        doc: "Accepted for Kapacitor's scripts; the handler is not supported.",
    }
}

macro_rules! unsupported {
    ($kind:ident, $name:literal, $file:literal, [$($prop:literal),*], $why:literal) => {
        #[doc = concat!("The `", $name, "` entry of the handler catalogue: refused.")]
        pub(crate) struct $kind;

        impl HandlerKind for $kind {
            const NAME: &'static str = $name;
            const FILE_NAME: &'static str = $file;
            const SPEC: Option<HandlerSpec> = Some(HandlerSpec {
                kind: $name,
                args: &[],
                variadic: None,
                properties: &[$(string_property($prop)),*],
                doc: concat!("Not supported by tick: ", $why, "."),
            });
            type Options = Options;
            type Handler = UnsupportedHandler;

            fn from_use(_handler: &HandlerUse) -> Result<Options, BuildError> {
                Err(refused())
            }

            fn build(
                _options: Options,
                _topic: &str,
                _services: &Services,
            ) -> Result<UnsupportedHandler, BuildError> {
                Err(refused())
            }
        }

        fn refused() -> BuildError {
            BuildError::Property {
                kind: $name,
                property: "",
                message: concat!("the ", $name, " handler is not supported by tick: ", $why).to_string(),
            }
        }
    };
}

/// `.kafka()`.
pub(crate) mod kafka {
    use super::*;
    unsupported!(
        Kind,
        "kafka",
        "kafka",
        ["cluster", "kafkaTopic", "template"],
        "it could not be tested against a Kafka broker"
    );
}

/// `.hipChat()`.
pub(crate) mod hipchat {
    use super::*;
    unsupported!(
        Kind,
        "hipChat",
        "hipchat",
        ["room", "token"],
        "the HipChat service was shut down"
    );
}

/// `.talk()`.
pub(crate) mod talk {
    use super::*;
    unsupported!(Kind, "talk", "talk", [], "the Talk service was shut down");
}
