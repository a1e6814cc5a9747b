//! Rendering command results as a table (people), JSON (scripts, stable field names) or CSV.

use serde::Serialize;

/// How a command prints its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    Table,
    Json,
    Csv,
}

/// A printable row: its JSON form is its `Serialize`, its table/CSV form its cells.
pub(crate) trait Row: Serialize {
    fn headers() -> &'static [&'static str];
    fn cells(&self) -> Vec<String>;
}

pub(crate) fn render<R: Row>(rows: &[R], format: Format) -> String {
    match format {
        Format::Json => serde_json::to_string_pretty(rows).unwrap_or_else(|_| "[]".into()) + "\n",
        Format::Csv => {
            let mut out = csv_line(R::headers().iter().map(|h| h.to_string()));
            for r in rows {
                out.push_str(&csv_line(r.cells().into_iter()));
            }
            out
        }
        Format::Table => table(R::headers(), rows.iter().map(Row::cells).collect()),
    }
}

/// One object (`show`, `add`, `remove`): a JSON object rather than an array; table and CSV as
/// a one-row list.
pub(crate) fn render_one<R: Row>(row: &R, format: Format) -> String {
    match format {
        Format::Json => serde_json::to_string_pretty(row).unwrap_or_else(|_| "{}".into()) + "\n",
        _ => render(std::slice::from_ref(row), format),
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

fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<width$}", width = widths.get(i).copied().unwrap_or(0)))
            .collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(headers.iter().map(|h| h.to_uppercase()).collect());
    for r in rows {
        out.push_str(&line(r));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct R {
        name: String,
        n: u32,
    }

    impl Row for R {
        fn headers() -> &'static [&'static str] {
            &["name", "n"]
        }
        fn cells(&self) -> Vec<String> {
            vec![self.name.clone(), self.n.to_string()]
        }
    }

    #[test]
    fn renders_all_three_formats() {
        let rows = vec![
            R {
                name: "a, \"b\"".into(),
                n: 1,
            },
            R {
                name: "long-name".into(),
                n: 22,
            },
        ];
        assert_eq!(
            render(&rows, Format::Csv),
            "name,n\n\"a, \"\"b\"\"\",1\nlong-name,22\n"
        );
        assert_eq!(
            render(&rows, Format::Table),
            "NAME       N\na, \"b\"     1\nlong-name  22\n"
        );
        let json: serde_json::Value = serde_json::from_str(&render(&rows, Format::Json)).unwrap();
        assert_eq!(json[1]["n"], 22);
    }
}
