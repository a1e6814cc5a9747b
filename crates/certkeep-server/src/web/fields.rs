//! Form fields as the templates draw them (`templates/field.html`): label, value, help, and
//! the engine's error for that field next to it.

use crate::error::ApiError;

/// One control of a form.
pub(crate) struct Field {
    pub(crate) name: &'static str,
    pub(crate) label: &'static str,
    /// `text`, `password`, `select`, `number`, `date` or `checkbox`.
    pub(crate) kind: &'static str,
    pub(crate) value: String,
    pub(crate) help: &'static str,
    pub(crate) error: Option<String>,
    pub(crate) required: bool,
    /// (value, label) of a select.
    pub(crate) options: Vec<(String, String)>,
    pub(crate) autocomplete: &'static str,
}

impl Field {
    pub(crate) fn text(name: &'static str, label: &'static str, value: &str) -> Self {
        Self {
            name,
            label,
            kind: "text",
            value: value.to_string(),
            help: "",
            error: None,
            required: true,
            options: Vec::new(),
            autocomplete: "off",
        }
    }

    pub(crate) fn password(name: &'static str, label: &'static str) -> Self {
        Self {
            kind: "password",
            autocomplete: "new-password",
            ..Self::text(name, label, "")
        }
    }

    pub(crate) fn select(
        name: &'static str,
        label: &'static str,
        value: &str,
        options: Vec<(String, String)>,
    ) -> Self {
        Self {
            kind: "select",
            options,
            ..Self::text(name, label, value)
        }
    }

    pub(crate) fn help(mut self, help: &'static str) -> Self {
        self.help = help;
        self
    }

    /// The option `v` is the chosen one.
    pub(crate) fn is_chosen(&self, v: &str) -> bool {
        self.value == v
    }
}

/// Puts an API error's field problems next to their fields; what no field takes is returned
/// for the form's own error line.
pub(crate) fn place_errors(fields: &mut [Field], e: &ApiError) -> Option<String> {
    let mut problems: Vec<(String, String)> = e
        .fields
        .iter()
        .map(|f| (f.field.clone(), f.message.clone()))
        .collect();
    if problems.is_empty()
        && let Some(f) = &e.field
    {
        problems.push((f.clone(), e.message.clone()));
    }
    let mut placed = false;
    for (name, message) in &problems {
        if let Some(field) = fields.iter_mut().find(|f| f.name == name) {
            field.error = Some(message.clone());
            placed = true;
        }
    }
    (!placed).then(|| e.message.clone())
}
