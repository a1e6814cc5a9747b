//! Key Vault style paging: sorted keys, an opaque `$skiptoken` naming the next item
//! (base64url of `{"NextMarker":..,"TargetLocation":0}`), and `nextLink: null` on the last page.

use base64::Engine as _;

const B64URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub struct Page<T> {
    pub items: Vec<T>,
    /// Key of the first item of the next page.
    pub next: Option<String>,
}

/// Takes up to `max` items whose key is at or after `start`. With `empty`, returns no items
/// but a marker to the same position (the "empty page with a nextLink" Azure sometimes sends).
pub fn page<T>(
    items: impl Iterator<Item = (String, T)>,
    start: Option<&str>,
    max: usize,
    empty: bool,
) -> Page<T> {
    let mut rest = items.skip_while(|(k, _)| start.is_some_and(|s| k.as_str() < s));
    if empty {
        return match rest.next() {
            Some((k, _)) => Page {
                items: Vec::new(),
                next: Some(k),
            },
            None => Page {
                items: Vec::new(),
                next: None,
            },
        };
    }
    let mut out = Vec::new();
    for (k, v) in rest.by_ref() {
        if out.len() == max {
            return Page {
                items: out,
                next: Some(k),
            };
        }
        out.push(v);
    }
    Page {
        items: out,
        next: None,
    }
}

pub fn encode_token(marker: &str) -> String {
    let inner = B64URL.encode(marker);
    let json = serde_json::json!({"NextMarker": format!("2!{}!{inner}", inner.len()), "TargetLocation": 0});
    B64URL.encode(json.to_string())
}

pub fn decode_token(token: &str) -> Option<String> {
    let json: serde_json::Value =
        serde_json::from_slice(&B64URL.decode(token.trim_end_matches('=')).ok()?).ok()?;
    let marker = json.get("NextMarker")?.as_str()?;
    let inner = marker.splitn(3, '!').nth(2)?;
    String::from_utf8(B64URL.decode(inner).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize) -> impl Iterator<Item = (String, usize)> {
        (0..n).map(|i| (format!("k{i:03}"), i))
    }

    #[test]
    fn pages_cover_everything_once() {
        let mut start: Option<String> = None;
        let mut seen = Vec::new();
        loop {
            let p = page(keys(60), start.as_deref(), 25, false);
            seen.extend(p.items);
            match p.next {
                Some(n) => start = Some(decode_token(&encode_token(&n)).unwrap()),
                None => break,
            }
        }
        assert_eq!(seen, (0..60).collect::<Vec<_>>());
    }

    #[test]
    fn empty_page_points_at_the_same_place() {
        let p = page(keys(3), Some("k001"), 25, true);
        assert!(p.items.is_empty());
        assert_eq!(p.next.as_deref(), Some("k001"));
        assert!(decode_token("not-a-token").is_none());
    }
}
