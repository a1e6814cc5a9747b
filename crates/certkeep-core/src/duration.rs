//! Durations as people write them in flags, the configuration file and forms: a number and one
//! unit, `45s`, `90m`, `12h`, `30d`, `2w`.

/// Seconds in each unit, largest first (for [`format_duration`]).
const UNITS: [(&str, i64); 5] = [
    ("w", 7 * 86_400),
    ("d", 86_400),
    ("h", 3_600),
    ("m", 60),
    ("s", 1),
];

/// `30d`, `12h`, `2w`, `90m`, `45s` → seconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: i64 = digits.parse().map_err(|_| {
        format!("'{text}' is not a duration: use a number and a unit, e.g. 30d, 12h, 2w")
    })?;
    let Some((_, unit_secs)) = UNITS.iter().find(|(u, _)| *u == unit.trim()) else {
        return Err(format!(
            "'{text}' has no known unit: use s, m, h, d or w (e.g. 30d, 12h, 2w)"
        ));
    };
    n.checked_mul(*unit_secs)
        .filter(|s| *s <= 100 * 365 * 86_400)
        .ok_or_else(|| format!("'{text}' is too long (at most 100 years)"))
}

/// Seconds in the largest unit that divides them exactly: `21600` → `6h` (parsed back by
/// [`parse_duration`]).
pub fn format_duration(secs: i64) -> String {
    let (unit, size) = UNITS
        .iter()
        .find(|(_, size)| secs != 0 && secs % size == 0)
        .copied()
        .unwrap_or(("s", 1));
    format!("{}{unit}", secs / size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30d"), Ok(30 * 86_400));
        assert_eq!(parse_duration("12h"), Ok(12 * 3_600));
        assert_eq!(parse_duration("2w"), Ok(14 * 86_400));
        assert_eq!(parse_duration("0d"), Ok(0));
        assert!(parse_duration("30").is_err());
        assert!(parse_duration("d").is_err());
        assert!(parse_duration("3x").is_err());
        assert!(parse_duration("-3d").is_err());
        assert!(parse_duration("99999999999w").is_err());
    }

    #[test]
    fn formatted_durations_parse_back() {
        for (secs, text) in [
            (21_600, "6h"),
            (90, "90s"),
            (5_400, "90m"),
            (1_209_600, "2w"),
            (0, "0s"),
        ] {
            assert_eq!(format_duration(secs), text);
            assert_eq!(parse_duration(text), Ok(secs));
        }
    }
}
