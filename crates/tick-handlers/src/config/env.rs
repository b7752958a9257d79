//! `KAPACITOR_*` environment overrides, applied once to the whole TOML tree before any section
//! is decoded, so every section gets them (Kapacitor's `Config.ApplyEnvOverrides`,
//! server/config.go at v1.5.7): `KAPACITOR_<SECTION>_<KEY>` sets a key of a table
//! (`[pagerduty]`), `KAPACITOR_<SECTION>_<i>_<KEY>` a key of the `i`th table of a list
//! (`[[slack]]`); names are upper case with `-` written `_`; an empty value sets nothing; a key
//! inside a sub-table the file has (`headers`, `basic-auth`) is reached through it
//! (`KAPACITOR_HTTPPOST_0_BASIC_AUTH_USERNAME`).
//!
//! Kapacitor knows each key's type from its Go struct; the tree does not. A key the file has
//! keeps its type (a boolean is read with Go's `strconv.ParseBool`, an integer or float as
//! such, and a value that does not parse is an error naming the variable); a key the file
//! lacks becomes a boolean when the value is `true` or `false` (any case Go accepts), else a
//! string. An index one past the last table adds a table (Kapacitor's default config when the
//! file has none).

use toml::{Table, Value};

use super::ConfigError;

/// Where a value came from, for messages: the variable and the section it set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Source {
    /// The section (`slack`).
    pub(super) section: String,
    /// The variable (`KAPACITOR_SLACK_0_URL`).
    pub(super) var: String,
}

/// Applies every `KAPACITOR_*` variable of `env` that names a key of one of `sections` (the
/// sections tick reads) to `table`. Returns which variables set what; variables that cannot
/// be applied are named in `warnings`.
pub(super) fn apply(
    table: &mut Table,
    env: &[(String, String)],
    sections: &[&str],
    path: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<Source>, ConfigError> {
    let mut vars: Vec<&(String, String)> = env
        .iter()
        .filter(|(k, v)| k.starts_with("KAPACITOR_") && !v.is_empty())
        .collect();
    vars.sort();
    let mut sources = Vec::new();
    for (var, value) in vars {
        let rest = &var["KAPACITOR_".len()..];
        let Some((section, after)) = sections
            .iter()
            .filter_map(|s| Some((*s, rest.strip_prefix(&upper(s))?.strip_prefix('_')?)))
            .max_by_key(|(s, _)| s.len())
        else {
            continue;
        };
        let target = match after.split_once('_') {
            Some((index, key))
                if !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()) =>
            {
                let Ok(index) = index.parse::<usize>() else {
                    continue;
                };
                list_table(table, section, index).map(|t| (t, key))
            }
            _ => single_table(table, section).map(|t| (t, after)),
        };
        let Some((target, key)) = target else {
            warnings.push(format!(
                "environment variable {var} names no table of [{section}] (a list [[{section}]] takes KAPACITOR_{}_<i>_<KEY> with an index that exists or comes next); ignored",
                upper(section)
            ));
            continue;
        };
        set(target, key, value, var, path)?;
        sources.push(Source {
            section: section.to_string(),
            var: var.clone(),
        });
    }
    Ok(sources)
}

/// `slack` → `SLACK`, `config-override` → `CONFIG_OVERRIDE`.
fn upper(name: &str) -> String {
    name.to_ascii_uppercase().replace('-', "_")
}

/// The `index`th table of list section `section` (a single table counts as a list of one);
/// the next index adds a table.
fn list_table<'t>(table: &'t mut Table, section: &str, index: usize) -> Option<&'t mut Table> {
    if index > 0 && !table.contains_key(section) {
        return None;
    }
    let value = table
        .entry(section.to_string())
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Table(t) = value {
        return (index == 0).then_some(t);
    }
    let Value::Array(items) = value else {
        return None;
    };
    if index == items.len() {
        items.push(Value::Table(Table::new()));
    }
    items.get_mut(index)?.as_table_mut()
}

/// The table of single-table section `section`, made when the file has none.
fn single_table<'t>(table: &'t mut Table, section: &str) -> Option<&'t mut Table> {
    table
        .entry(section.to_string())
        .or_insert_with(|| Value::Table(Table::new()))
        .as_table_mut()
}

/// Sets `key` (upper case, `_` for `-`) of `table` from the variable `var`, descending into a
/// sub-table the file has when the name continues into it.
fn set(table: &mut Table, key: &str, raw: &str, var: &str, path: &str) -> Result<(), ConfigError> {
    let nested = table.iter().find_map(|(k, v)| {
        let rest = key.strip_prefix(&upper(k))?.strip_prefix('_')?;
        (v.is_table() && !rest.is_empty()).then(|| (k.clone(), rest.to_string()))
    });
    if let Some((sub, rest)) = nested
        && let Some(Value::Table(t)) = table.get_mut(&sub)
    {
        return set(t, &rest, raw, var, path);
    }
    // An existing key is matched by its written name, so `headers` keys keep their case.
    let name = table
        .keys()
        .find(|k| upper(k) == key || k.as_str() == key)
        .cloned()
        .unwrap_or_else(|| key.to_ascii_lowercase().replace('_', "-"));
    let bad = |expected: &str| ConfigError::Setting {
        path: path.to_owned(),
        message: format!("environment variable {var}: expected {expected} for {name:?}"),
    };
    let value = match table.get(&name) {
        Some(Value::Boolean(_)) => {
            Value::Boolean(go_bool(raw).ok_or_else(|| bad("true or false"))?)
        }
        Some(Value::Integer(_)) => Value::Integer(raw.parse().map_err(|_| bad("an integer"))?),
        Some(Value::Float(_)) => Value::Float(raw.parse().map_err(|_| bad("a number"))?),
        None if matches!(raw, "true" | "TRUE" | "True" | "false" | "FALSE" | "False") => {
            Value::Boolean(go_bool(raw).unwrap_or(false))
        }
        _ => Value::String(raw.to_string()),
    };
    table.insert(name, value);
    Ok(())
}

/// Go's `strconv.ParseBool`.
pub(super) fn go_bool(raw: &str) -> Option<bool> {
    match raw {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn applied(text: &str, pairs: &[(&str, &str)]) -> (Table, Vec<String>) {
        let mut table: Table = text.parse().unwrap();
        let mut warnings = Vec::new();
        apply(
            &mut table,
            &env(pairs),
            &["slack", "pagerduty", "httppost", "config-override"],
            "k.conf",
            &mut warnings,
        )
        .unwrap();
        (table, warnings)
    }

    #[test]
    fn tables_lists_and_sub_tables_take_their_keys_with_the_files_types() {
        let (t, warnings) = applied(
            "[pagerduty]\nenabled = false\n[[httppost]]\nendpoint = \"a\"\nheaders = { X-Token = \"old\" }\nbasic-auth = { username = \"u\" }\n",
            &[
                ("KAPACITOR_PAGERDUTY_ENABLED", "1"),
                ("KAPACITOR_PAGERDUTY_SERVICE_KEY", "k"),
                ("KAPACITOR_HTTPPOST_0_BASIC_AUTH_PASSWORD", "pw"),
                ("KAPACITOR_HTTPPOST_0_HEADERS_X_TOKEN", "new"),
                ("KAPACITOR_SLACK_0_ENABLED", "true"),
                ("KAPACITOR_SLACK_0_URL", "http://x/"),
                ("KAPACITOR_SLACK_URL", ""),
                ("KAPACITOR_OTHER_THING", "x"),
            ],
        );
        let expected: Table = "[pagerduty]\nenabled = true\nservice-key = \"k\"\n[[httppost]]\nendpoint = \"a\"\nheaders = { X-Token = \"new\" }\nbasic-auth = { username = \"u\", password = \"pw\" }\n[[slack]]\nenabled = true\nurl = \"http://x/\"\n".parse().unwrap();
        assert_eq!(t, expected);
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn a_value_of_the_wrong_type_names_the_variable_never_the_value() {
        let mut table: Table = "[pagerduty]\nenabled = false\n".parse().unwrap();
        let err = apply(
            &mut table,
            &env(&[("KAPACITOR_PAGERDUTY_ENABLED", "sometimes")]),
            &["pagerduty"],
            "k.conf",
            &mut Vec::new(),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "k.conf: environment variable KAPACITOR_PAGERDUTY_ENABLED: expected true or false for \"enabled\""
        );
    }

    #[test]
    fn an_index_past_the_next_one_is_ignored_with_a_warning() {
        let (_, warnings) = applied("", &[("KAPACITOR_SLACK_3_URL", "http://x/")]);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with(
                "environment variable KAPACITOR_SLACK_3_URL names no table of [slack]"
            ),
            "{warnings:?}"
        );
    }
}
