//! The `tcp` handler (Kapacitor's `NewTCPHandler`, services/alert/handlers.go at v1.5.7): `.tcp('host:port')` or `kind: tcp` with `address`. Dials a
//! new connection per event, writes the alert JSON plus two newlines, and closes.

use serde::Deserialize;
use tick_engine::{ArgType, Event, HandlerSpec, HandlerUse};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::alert_json::alert_json;
use crate::arguments::string_arg;
use crate::error::{BuildError, HandlerError};
use crate::registry::{Deliver, HandlerKind, Services};

/// The `tcp` entry of the handler catalogue.
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "tcp";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    type Options = Options;
    type Handler = TcpHandler;

    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        Options::from_use(handler)
    }

    fn build(
        options: Options,
        _topic: &str,
        _services: &Services,
    ) -> Result<TcpHandler, BuildError> {
        TcpHandler::new(options)
    }
}

impl Deliver for TcpHandler {
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        TcpHandler::handle(self, event).await
    }
}

/// `.tcp(address)`.
const SPEC: HandlerSpec = HandlerSpec {
    kind: "tcp",
    args: &[ArgType::String],
    variadic: None,
    properties: &[],
    doc: "Send every alert event as JSON over a new TCP connection to host:port.",
};

/// Tcp handler options, shared by TICKscript and handler files (`address`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// `host:port` to dial for each event.
    pub address: String,
}

impl Options {
    /// Reads `.tcp(address)` from the script.
    pub fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        Ok(Options {
            address: string_arg("tcp", "address", handler.args.first())?,
        })
    }
}

/// A tcp handler.
#[derive(Debug, Clone)]
pub struct TcpHandler {
    address: String,
}

impl TcpHandler {
    /// Checks that an address is given (at task start).
    pub fn new(options: Options) -> Result<TcpHandler, BuildError> {
        if options.address.is_empty() {
            return Err(BuildError::MissingAddress);
        }
        Ok(TcpHandler {
            address: options.address,
        })
    }

    /// Dials, writes `JSON\n\n`, closes. A dial failure drops the event (Kapacitor's `NewTCPHandler`, services/alert/handlers.go at v1.5.7).
    pub async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        let mut payload = alert_json(event)?;
        // Quirk (Kapacitor's `NewTCPHandler`, services/alert/handlers.go at v1.5.7): the encoder ends the document with '\n' and the handler adds another.
        payload.push('\n');
        let mut stream =
            TcpStream::connect(&self.address)
                .await
                .map_err(|source| HandlerError::TcpConnect {
                    address: self.address.clone(),
                    source,
                })?;
        let write = async {
            stream.write_all(payload.as_bytes()).await?;
            stream.shutdown().await
        };
        write.await.map_err(|source| HandlerError::TcpWrite {
            address: self.address.clone(),
            source,
        })
    }
}
