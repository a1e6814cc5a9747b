//! A listing's query string as the pages keep it: every filter in the URL (so a view can be
//! shared and bookmarked), blank form fields dropped, and links that change one thing.

use super::page::PageError;

/// The parameters of a listing, in a fixed order, without blank values.
#[derive(Clone, Debug, Default)]
pub(crate) struct ListQuery {
    path: &'static str,
    pairs: Vec<(String, String)>,
}

impl ListQuery {
    /// Reads `raw` (a query string), keeping only `known` keys; an unknown key is refused.
    pub(crate) fn parse(path: &'static str, raw: &str, known: &[&str]) -> Result<Self, PageError> {
        if raw.to_ascii_lowercase().contains("%00") {
            return Err(PageError::bad_request("a NUL character is not allowed"));
        }
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
            if !known.contains(&k.as_ref()) {
                return Err(PageError::bad_request(format!(
                    "{k}: not a filter of this page"
                )));
            }
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            match pairs.iter_mut().find(|(pk, _)| *pk == k) {
                Some(p) => p.1 = v.to_string(),
                None => pairs.push((k.into_owned(), v.to_string())),
            }
        }
        Ok(Self { path, pairs })
    }

    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `key`, or "".
    pub(crate) fn value(&self, key: &str) -> &str {
        self.get(key).unwrap_or_default()
    }

    /// A number, or an error naming `key`.
    pub(crate) fn number<T: std::str::FromStr>(&self, key: &str) -> Result<Option<T>, PageError> {
        self.get(key)
            .map(|v| {
                v.parse()
                    .map_err(|_| PageError::bad_request(format!("{key}: must be a whole number")))
            })
            .transpose()
    }

    fn href_of(&self, pairs: &[(String, String)], path: &str) -> String {
        if pairs.is_empty() {
            return path.to_string();
        }
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            s.append_pair(k, v);
        }
        format!("{path}?{}", s.finish())
    }

    /// This view with `changes` applied (an empty value removes the key), from the first page.
    pub(crate) fn with(&self, changes: &[(&str, &str)]) -> String {
        let mut pairs: Vec<(String, String)> = self
            .pairs
            .iter()
            .filter(|(k, _)| k != "offset")
            .cloned()
            .collect();
        for (key, value) in changes {
            pairs.retain(|(k, _)| k != key);
            if !value.is_empty() {
                pairs.push((key.to_string(), value.to_string()));
            }
        }
        self.href_of(&pairs, self.path)
    }

    /// This view at `offset`.
    pub(crate) fn at_offset(&self, offset: u64) -> String {
        let mut pairs: Vec<(String, String)> = self
            .pairs
            .iter()
            .filter(|(k, _)| k != "offset")
            .cloned()
            .collect();
        if offset > 0 {
            pairs.push(("offset".into(), offset.to_string()));
        }
        self.href_of(&pairs, self.path)
    }

    /// The previous and next pages' links of `listing` (none at either end).
    pub(crate) fn pager<T>(
        &self,
        listing: &certkeep_engine::views::Listing<T>,
    ) -> (Option<String>, Option<String>) {
        let last = listing.offset + listing.items.len() as u64;
        (
            (listing.offset > 0)
                .then(|| self.at_offset(listing.offset.saturating_sub(listing.limit))),
            (last < listing.total).then(|| self.at_offset(last)),
        )
    }

    /// The same filters on another path (an export), without paging.
    pub(crate) fn on(&self, path: &str) -> String {
        let pairs: Vec<(String, String)> = self
            .pairs
            .iter()
            .filter(|(k, _)| k != "offset" && k != "limit")
            .cloned()
            .collect();
        self.href_of(&pairs, path)
    }

    /// The filters set (for "remove" chips), paging and sorting aside.
    pub(crate) fn filters(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "offset" | "limit" | "sort" | "order"))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[&str] = &["search", "state", "offset", "sort", "vault", "credential"];

    #[test]
    fn blanks_are_dropped_and_links_change_one_thing() {
        let q = ListQuery::parse(
            "/certificates",
            "search=web&state=&offset=50&vault=v1",
            KEYS,
        )
        .unwrap();
        assert_eq!(q.get("state"), None);
        assert_eq!(
            q.with(&[("state", "expired")]),
            "/certificates?search=web&vault=v1&state=expired"
        );
        assert_eq!(
            q.with(&[("vault", ""), ("credential", "")]),
            "/certificates?search=web"
        );
        assert_eq!(
            q.at_offset(100),
            "/certificates?search=web&vault=v1&offset=100"
        );
        assert_eq!(
            q.on("/certificates.csv"),
            "/certificates.csv?search=web&vault=v1"
        );
    }

    #[test]
    fn values_are_encoded() {
        let q = ListQuery::parse("/certificates", "search=a%26b+c", KEYS).unwrap();
        assert_eq!(q.get("search"), Some("a&b c"));
        assert_eq!(q.with(&[]), "/certificates?search=a%26b+c");
    }

    #[test]
    fn an_unknown_key_is_refused_by_name() {
        let e = ListQuery::parse("/certificates", "colour=red", KEYS).unwrap_err();
        assert!(format!("{e:?}").contains("colour"));
    }
}
