//! Rendering command results as a table (people), JSON (scripts) or CSV (spreadsheets), all
//! from one definition per view: its `Serialize` is the JSON, and its [`Table`] column list
//! names which JSON fields a table shows. CSV has those columns first, then every other field.
//! Cells are made safe on the way out: CSV cells that a spreadsheet would run as a formula get a
//! leading `'`, and control characters never reach a terminal.

use serde::Serialize;
use serde_json::Value;

/// How a command prints its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    Table,
    Json,
    Csv,
}

/// The columns a table shows: JSON field paths (`a.b` for nested fields), each optionally
/// `:N` to show only the first N characters in a table (`version:8`).
pub(crate) trait Table: Serialize {
    const COLUMNS: &'static [&'static str];
}

struct Column {
    path: Vec<String>,
    header: String,
    width: Option<usize>,
}

fn parse_column(spec: &str) -> Column {
    let (path, width) = match spec.split_once(':') {
        Some((p, w)) => (p, w.parse().ok()),
        None => (spec, None),
    };
    let path: Vec<String> = path.split('.').map(str::to_string).collect();
    let header = path.last().cloned().unwrap_or_default();
    Column {
        path,
        header,
        width,
    }
}

fn at<'a>(value: &'a Value, path: &[String]) -> &'a Value {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .unwrap_or(&Value::Null)
}

/// Every leaf field of an object, as (path, value), in field order; arrays and free-form maps
/// are leaves.
fn leaves(value: &Value, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, Value)>) {
    let Value::Object(map) = value else {
        out.push((prefix.clone(), value.clone()));
        return;
    };
    for (k, v) in map {
        prefix.push(k.clone());
        match v {
            Value::Object(inner) if !inner.is_empty() && !is_free_form(k) => leaves(v, prefix, out),
            _ => out.push((prefix.clone(), v.clone())),
        }
        prefix.pop();
    }
}

/// Maps whose keys are data, not fields (tags, counts, details): one cell each.
fn is_free_form(key: &str) -> bool {
    matches!(key, "tags" | "detail" | "counts")
}

/// A cell's text: strings as they are, booleans yes/no, arrays joined, null empty.
fn text(value: &Value, in_table: bool) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items
            .iter()
            .map(|i| text(i, in_table))
            .collect::<Vec<_>>()
            .join(if in_table { ", " } else { "; " }),
        Value::Object(map) if map.is_empty() => String::new(),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k}={}", text(v, in_table)))
            .collect::<Vec<_>>()
            .join(if in_table { ", " } else { "; " }),
    }
}

pub(crate) fn render<R: Table>(rows: &[R], format: Format) -> String {
    let values: Vec<Value> = rows
        .iter()
        .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
        .collect();
    match format {
        Format::Json => {
            serde_json::to_string_pretty(&values).unwrap_or_else(|_| "[]".into()) + "\n"
        }
        Format::Csv => csv(R::COLUMNS, &values),
        Format::Table => table(R::COLUMNS, &values),
    }
}

/// One object (`show`, `add`, `remove`): a JSON object rather than an array; table and CSV as
/// a one-row list.
pub(crate) fn render_one<R: Table>(row: &R, format: Format) -> String {
    match format {
        Format::Json => serde_json::to_string_pretty(row).unwrap_or_else(|_| "{}".into()) + "\n",
        _ => render(std::slice::from_ref(row), format),
    }
}

fn csv(columns: &[&str], values: &[Value]) -> String {
    let mut cols: Vec<Column> = columns.iter().map(|c| parse_column(c)).collect();
    // Every other field of the first row follows the table's columns.
    if let Some(first) = values.first() {
        let mut all = Vec::new();
        leaves(first, &mut Vec::new(), &mut all);
        for (path, _) in all {
            if !cols.iter().any(|c| c.path == path) {
                let header = path.join("_");
                cols.push(Column {
                    path,
                    header,
                    width: None,
                });
            }
        }
    }
    let mut out = csv_line(cols.iter().map(|c| c.header.clone()));
    for v in values {
        out.push_str(&csv_line(cols.iter().map(|c| csv_cell(at(v, &c.path)))));
    }
    out
}

/// A CSV cell; text a spreadsheet would evaluate (`=`, `+`, `-`, `@`, tab, CR first) is
/// prefixed with `'`. Numbers are left as they are (a negative day count is not a formula).
fn csv_cell(value: &Value) -> String {
    let t = text(value, false);
    let is_text = !matches!(value, Value::Number(_));
    if is_text && t.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{t}")
    } else {
        t
    }
}

fn csv_line(cells: impl Iterator<Item = String>) -> String {
    let quoted: Vec<String> = cells
        .map(|c| {
            if c.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c
            }
        })
        .collect();
    quoted.join(",") + "\n"
}

/// A table cell: control characters (escape sequences, newlines) become spaces or vanish, so
/// nothing from Azure can move the cursor or recolour a terminal.
fn table_cell(value: &Value, width: Option<usize>) -> String {
    let clean: String = text(value, true)
        .chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect();
    match width {
        Some(w) => clean.chars().take(w).collect(),
        None => clean,
    }
}

fn table(columns: &[&str], values: &[Value]) -> String {
    let cols: Vec<Column> = columns.iter().map(|c| parse_column(c)).collect();
    let rows: Vec<Vec<String>> = values
        .iter()
        .map(|v| {
            cols.iter()
                .map(|c| table_cell(at(v, &c.path), c.width))
                .collect()
        })
        .collect();
    let headers: Vec<String> = cols.iter().map(|c| c.header.to_uppercase()).collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<width$}", width = widths.get(i).copied().unwrap_or(0)))
            .collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(&headers);
    for r in &rows {
        out.push_str(&line(r));
    }
    out
}

/// Checks that every table column names a field of `sample`'s JSON (used by tests of each view).
#[cfg(test)]
pub(crate) fn missing_columns<R: Table>(sample: &R) -> Vec<&'static str> {
    let v = serde_json::to_value(sample).unwrap_or(Value::Null);
    R::COLUMNS
        .iter()
        .copied()
        .filter(|c| {
            let col = parse_column(c);
            col.path.iter().try_fold(&v, |v, key| v.get(key)).is_none()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct R {
        name: String,
        n: i32,
        ok: bool,
        version: String,
        inner: Inner,
        tags: std::collections::BTreeMap<String, String>,
    }

    #[derive(Serialize)]
    struct Inner {
        added: u32,
    }

    impl Table for R {
        const COLUMNS: &'static [&'static str] = &["name", "n", "version:4", "inner.added"];
    }

    fn row(name: &str, n: i32) -> R {
        R {
            name: name.into(),
            n,
            ok: true,
            version: "abcdef123".into(),
            inner: Inner { added: 7 },
            tags: [("env".to_string(), "prod".to_string())].into(),
        }
    }

    #[test]
    fn renders_all_three_formats_from_one_definition() {
        let rows = vec![row("a, \"b\"", 1), row("long-name", -22)];
        assert_eq!(
            render(&rows, Format::Csv),
            "name,n,version,added,ok,tags\n\
             \"a, \"\"b\"\"\",1,abcdef123,7,yes,env=prod\n\
             long-name,-22,abcdef123,7,yes,env=prod\n"
        );
        assert_eq!(
            render(&rows, Format::Table),
            "NAME       N    VERSION  ADDED\n\
             a, \"b\"     1    abcd     7\n\
             long-name  -22  abcd     7\n"
        );
        let json: Value = serde_json::from_str(&render(&rows, Format::Json)).unwrap();
        assert_eq!(json[1]["n"], -22);
        assert_eq!(json[0]["version"], "abcdef123");
        assert!(missing_columns(&rows[0]).is_empty());
    }

    #[test]
    fn csv_cells_cannot_become_formulas() {
        for evil in ["=HYPERLINK(\"x\")", "+1", "-1+2", "@SUM(A1)", "\tx"] {
            let line = csv(&["name"], &[serde_json::json!({"name": evil})]);
            let cell = line.lines().nth(1).unwrap().trim_start_matches('"');
            assert!(cell.starts_with('\''), "{evil:?} gave {line:?}");
        }
        // Numbers are data, not formulas.
        let line = csv(&["n"], &[serde_json::json!({"n": -3})]);
        assert_eq!(line, "n\n-3\n");
    }

    #[test]
    fn table_cells_lose_control_characters() {
        let t = table(
            &["name"],
            &[serde_json::json!({"name": "a\u{1b}[31mred\u{7}\nnext"})],
        );
        assert_eq!(t, "NAME\na[31mred next\n");
    }
}
