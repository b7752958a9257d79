//! Topic handler files (Kapacitor's `HandlerSpec`, services/alert/dao.go, and `createHandlerFromSpec`, services/alert/service.go at v1.5.7), `tick run --handler FILE_OR_DIR`: YAML (read as YAML 1.1,
//! like Kapacitor's CLI) or JSON documents with `topic`, `id`, `kind`, `match` and `options`.
//! Owns reading, validation and strict per-kind option decoding; building the handler is
//! [`crate::Handler::from_file_spec`], compiling `match` is the caller's (tick-lambda).

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use crate::error::{BuildError, HandlerFileError};
use crate::registry::{FILE_KINDS, Handler, OptionsDecoder, Services, decode_options};

pub use crate::registry::HandlerOptions;

/// One handler defined by a file.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicHandlerSpec {
    /// The file it came from.
    pub path: PathBuf,
    /// `topic`: the topic whose events the handler receives.
    pub topic: String,
    /// `id`: the handler's name within its topic.
    pub id: String,
    /// `kind`: `log`, `tcp`, `exec`, `post`, `publish` or `mqtt`.
    pub kind: String,
    /// The `match` expression: a lambda body without `lambda:`; `None` when absent or empty.
    pub match_src: Option<String>,
    /// Where the `match` value starts in the file (YAML only; for a quoted scalar, the quote).
    pub match_at: Option<FilePosition>,
    /// `options`, decoded strictly for the kind.
    pub options: HandlerOptions,
    /// `options` as written (`null` when absent), for Kapacitor's topic handler API, which
    /// shows a handler's options as they were given.
    pub options_as_written: serde_json::Value,
    /// Accepted but questionable input (YAML 1.1 booleans); also logged with `tracing`.
    pub warnings: Vec<String>,
}

/// A 1-based line and column in a handler file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilePosition {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

// Design: building from a file lives here, not in `registry.rs`, so that the catalogue does
// not depend on this module (which decodes through the catalogue).
impl Handler {
    /// Builds a handler from a topic handler file (`tick run --handler`).
    pub fn from_file_spec(
        spec: &TopicHandlerSpec,
        services: &Services,
    ) -> Result<Handler, BuildError> {
        Handler::from_options(spec.options.clone(), &spec.topic, services)
    }
}

static TOPIC_RE: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"^[-:._\p{L}0-9]+$").ok());
static ID_RE: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"^[-._\p{L}0-9]+$").ok());

fn matches(re: &LazyLock<Option<Regex>>, s: &str) -> bool {
    re.as_ref().is_some_and(|re| re.is_match(s))
}

/// Loads every handler named by `paths`: files, or directories whose `*.yaml`, `*.yml` and
/// `*.json` files are read in name order. Returns what loaded and every error. A later
/// definition of the same topic and id replaces the earlier one (as Kapacitor does), with a
/// warning.
pub fn load_paths<P: AsRef<Path>>(paths: &[P]) -> (Vec<TopicHandlerSpec>, Vec<HandlerFileError>) {
    let mut specs: Vec<TopicHandlerSpec> = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let path = path.as_ref();
        let files = if path.is_dir() {
            match handler_files_in(path) {
                Ok(files) => files,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            }
        } else {
            vec![path.to_path_buf()]
        };
        for file in files {
            match load_file(&file) {
                Ok(mut spec) => {
                    if let Some(i) = specs
                        .iter()
                        .position(|s| s.topic == spec.topic && s.id == spec.id)
                    {
                        let old = specs.remove(i);
                        let warning = format!(
                            "handler {:?} on topic {:?} from {} replaces the one from {}",
                            spec.id,
                            spec.topic,
                            spec.path.display(),
                            old.path.display()
                        );
                        tracing::warn!("{}", warning);
                        spec.warnings.push(warning);
                    }
                    specs.push(spec);
                }
                Err(e) => errors.push(e),
            }
        }
    }
    (specs, errors)
}

fn handler_files_in(dir: &Path) -> Result<Vec<PathBuf>, HandlerFileError> {
    let read_err = |source| HandlerFileError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let path = entry.map_err(read_err)?.path();
        let handler_ext = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        );
        if handler_ext && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Reads and validates one handler file (`.yaml`, `.yml` or `.json`).
pub fn load_file(path: &Path) -> Result<TopicHandlerSpec, HandlerFileError> {
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some("yaml" | "yml") => Format::Yaml,
        Some("json") => Format::Json,
        _ => {
            return Err(HandlerFileError::UnknownExtension {
                path: path.to_path_buf(),
            });
        }
    };
    let text = std::fs::read_to_string(path).map_err(|source| HandlerFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(path, &text, format)
}

/// The syntax of a handler file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.yaml` or `.yml`, read as YAML 1.1 like Kapacitor's CLI.
    Yaml,
    /// `.json`.
    Json,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    #[serde(default)]
    topic: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    kind: String,
    #[serde(default, rename = "match")]
    match_: Option<serde_saphyr::Spanned<String>>,
    #[serde(default)]
    options: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct OptionsDoc<O> {
    options: Option<O>,
}

/// Parses handler file text; `path` is used in messages and kept in the spec.
pub fn parse(
    path: &Path,
    text: &str,
    format: Format,
) -> Result<TopicHandlerSpec, HandlerFileError> {
    let decode_err = |field: &str, reason: String| HandlerFileError::Decode {
        path: path.to_path_buf(),
        field: field.to_string(),
        reason,
    };
    let invalid = |field: &'static str, reason: String| HandlerFileError::Invalid {
        path: path.to_path_buf(),
        field,
        reason,
    };
    let header: Header = match format {
        Format::Yaml => serde_saphyr::from_str_with_options(text, yaml_options(false))
            .map_err(|e| decode_err("document", e.to_string()))?,
        Format::Json => {
            serde_json::from_str(text).map_err(|e| decode_err("document", e.to_string()))?
        }
    };
    if !matches(&TOPIC_RE, &header.topic) {
        return Err(invalid(
            "topic",
            format!(
                "handler topic must contain only letters, numbers, '-', '.', ':' and '_'. {:?}",
                header.topic
            ),
        ));
    }
    if !matches(&ID_RE, &header.id) {
        return Err(invalid(
            "id",
            format!(
                "handler ID must contain only letters, numbers, '-', '.' and '_'. {:?}",
                header.id
            ),
        ));
    }
    if header.kind.is_empty() {
        return Err(invalid(
            "kind",
            "handler Kind must not be empty".to_string(),
        ));
    }
    if header.kind == "aggregate" {
        return Err(invalid(
            "kind",
            "aggregate handlers are not supported yet".to_string(),
        ));
    }
    let mut warnings = Vec::new();
    let decoder = FileDecoder {
        text,
        format,
        has_options: header.options.is_some(),
    };
    let options = match decode_options(&header.kind, &decoder) {
        None => {
            debug_assert!(!FILE_KINDS.contains(&header.kind.as_str()));
            return Err(HandlerFileError::UnsupportedKind {
                path: path.to_path_buf(),
                kind: header.kind,
            });
        }
        Some(Err(e)) => return Err(decode_err("options", e)),
        Some(Ok((options, yaml11))) => {
            if let Some(detail) = yaml11 {
                let warning = format!(
                    "{}: options: YAML 1.1 boolean (yes/no/on/off/y/n) read as true/false; write true or false ({detail})",
                    path.display()
                );
                tracing::warn!("{}", warning);
                warnings.push(warning);
            }
            options
        }
    };
    let options_as_written = if header.options.is_some() {
        options_value(text, format).map_err(|e| decode_err("options", e))?
    } else {
        serde_json::Value::Null
    };
    let (match_src, match_at) = match header.match_ {
        Some(m) if !m.value.trim().is_empty() => {
            let at = (m.referenced.line() > 0).then(|| FilePosition {
                line: u32::try_from(m.referenced.line()).unwrap_or(u32::MAX),
                column: u32::try_from(m.referenced.column()).unwrap_or(u32::MAX),
            });
            (Some(m.value), at)
        }
        _ => (None, None),
    };
    Ok(TopicHandlerSpec {
        path: path.to_path_buf(),
        topic: header.topic,
        id: header.id,
        kind: header.kind,
        match_src,
        match_at,
        options,
        options_as_written,
        warnings,
    })
}

/// The `options` of a handler file as a JSON value (YAML 1.1 booleans read as booleans).
fn options_value(text: &str, format: Format) -> Result<serde_json::Value, String> {
    let doc: OptionsDoc<serde_json::Value> = match format {
        Format::Json => serde_json::from_str(text).map_err(|e| e.to_string())?,
        Format::Yaml => serde_saphyr::from_str_with_options(text, yaml_options(false))
            .map_err(|e| e.to_string())?,
    };
    Ok(doc.options.unwrap_or(serde_json::Value::Null))
}

fn yaml_options(strict_booleans: bool) -> serde_saphyr::Options {
    serde_saphyr::options! {
        // YAML 1.1, as Kapacitor's CLI reads handler files: `mode: 0644` is octal.
        legacy_octal_numbers: true,
        strict_booleans: strict_booleans,
        with_snippet: false,
    }
}

struct FileDecoder<'a> {
    text: &'a str,
    format: Format,
    has_options: bool,
}

impl FileDecoder<'_> {
    /// Decodes `options` as `O`, or `O` from an empty map when the file has none. The second
    /// value is set when the YAML needed YAML 1.1 booleans (the strict reading's error).
    fn decode_with_note<O: DeserializeOwned>(&self) -> Result<(O, Option<String>), String> {
        if !self.has_options {
            let empty = serde::de::value::MapDeserializer::<_, serde::de::value::Error>::new(
                std::iter::empty::<(&str, &str)>(),
            );
            return O::deserialize(empty)
                .map(|o| (o, None))
                .map_err(|e| e.to_string());
        }
        let take = |doc: OptionsDoc<O>| {
            doc.options
                .ok_or_else(|| "options must be a mapping".to_string())
        };
        match self.format {
            Format::Json => {
                take(serde_json::from_str(self.text).map_err(|e| e.to_string())?).map(|o| (o, None))
            }
            Format::Yaml => {
                match serde_saphyr::from_str_with_options::<OptionsDoc<O>>(
                    self.text,
                    yaml_options(true),
                ) {
                    Ok(doc) => take(doc).map(|o| (o, None)),
                    Err(strict) => {
                        let doc = serde_saphyr::from_str_with_options::<OptionsDoc<O>>(
                            self.text,
                            yaml_options(false),
                        )
                        .map_err(|e| e.to_string())?;
                        take(doc).map(|o| (o, Some(strict.to_string())))
                    }
                }
            }
        }
    }
}

impl OptionsDecoder for FileDecoder<'_> {
    type Error = String;
    fn decode<O: DeserializeOwned>(&self) -> Result<(O, Option<String>), String> {
        self.decode_with_note()
    }
}
