//! Durations as users write them (`45m`, `36h`, `7d`, `2w`) and as reports show them
//! (`3d 4h`, `45m`).

use std::fmt;

/// A duration in whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Dur(pub i64);

impl Dur {
    pub const fn secs(self) -> i64 {
        self.0
    }
    pub const fn days(d: i64) -> Dur {
        Dur(d * 86_400)
    }
}

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurError(pub String);

impl fmt::Display for DurError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a duration; write a whole number followed by a unit: s, m, h, d or w (e.g. `45m`, `36h`, `7d`, `2w`)",
            self.0
        )
    }
}

impl std::error::Error for DurError {}

/// Parses `45m`, `36h`, `7d`, `2w`, `90s`, and combinations such as `1d12h`.
pub fn parse(text: &str) -> Result<Dur, DurError> {
    let err = || DurError(text.to_string());
    let s = text.trim();
    if s.is_empty() {
        return Err(err());
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    for ch in s.chars() {
        if ch.is_ascii_digit() {
            digits.push(ch);
            continue;
        }
        if ch == ' ' && digits.is_empty() {
            continue;
        }
        let unit = match ch {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(err()),
        };
        if digits.is_empty() {
            return Err(err());
        }
        let n: i64 = digits.parse().map_err(|_| err())?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(err)?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(err());
    }
    Ok(Dur(total))
}

/// Renders seconds with the two largest units: `3d 4h`, `45m`, `2h 5m`, `30s`, `0s`.
/// Negative values get a leading minus sign.
pub fn human(secs: i64) -> String {
    if secs < 0 {
        return format!("-{}", human(-secs));
    }
    const UNITS: [(i64, &str); 4] = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let mut parts = Vec::new();
    let mut rest = secs;
    for (size, name) in UNITS {
        if rest >= size {
            parts.push(format!("{}{}", rest / size, name));
            rest %= size;
        } else if !parts.is_empty() {
            // keep the second unit adjacent to the first: `3d 0h` reads oddly, skip it
            break;
        }
        if parts.len() == 2 {
            break;
        }
    }
    if parts.is_empty() {
        "0s".to_string()
    } else {
        parts.join(" ")
    }
}

/// Renders seconds with every non-zero unit: `1d 30m`, `2h 0m 5s` → `2h 5s`.
pub fn human_exact(secs: i64) -> String {
    if secs < 0 {
        return format!("-{}", human_exact(-secs));
    }
    let mut parts = Vec::new();
    let mut rest = secs;
    for (size, name) in [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")] {
        if rest >= size {
            parts.push(format!("{}{}", rest / size, name));
            rest %= size;
        }
    }
    if parts.is_empty() {
        "0s".to_string()
    } else {
        parts.join(" ")
    }
}

/// Renders fractional seconds (test durations): `0.123s`, `12.5s`, then as [`human`].
pub fn human_f64(secs: f64) -> String {
    if secs <= 0.0 || secs.is_nan() {
        return "0s".to_string();
    }
    if secs < 60.0 {
        let r = (secs * 1000.0).round() / 1000.0;
        format!("{r}s")
    } else {
        human(secs.round() as i64)
    }
}

impl fmt::Display for Dur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&human(self.0))
    }
}

impl<'de> serde::Deserialize<'de> for Dur {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for Dur {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&compact(self.0))
    }
}

/// The shortest exact spelling of a duration, for the effective policy: `7d`, `36h`, `2w`.
pub fn compact(secs: i64) -> String {
    for (size, name) in [(86_400, "d"), (3_600, "h"), (60, "m")] {
        if secs != 0 && secs % size == 0 {
            return format!("{}{}", secs / size, name);
        }
    }
    format!("{secs}s")
}

impl schemars::JsonSchema for Dur {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^\\s*(\\d+\\s*[smhdw]\\s*)+$",
            "description": "A duration: a whole number and a unit, s, m, h, d or w (`45m`, `36h`, `7d`, `2w`); units may be combined (`1d12h`)."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse("45m"), Ok(Dur(2_700)));
        assert_eq!(parse("36h"), Ok(Dur(129_600)));
        assert_eq!(parse("7d"), Ok(Dur(604_800)));
        assert_eq!(parse("2w"), Ok(Dur(1_209_600)));
        assert_eq!(parse("1d12h"), Ok(Dur(129_600)));
        assert_eq!(parse("90s"), Ok(Dur(90)));
    }

    #[test]
    fn refuses_garbage() {
        for bad in ["", "7", "d", "7x", "1.5d", "-3d", "99999999999999999999d"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn renders_two_largest_units() {
        assert_eq!(human(0), "0s");
        assert_eq!(human(45 * 60), "45m");
        assert_eq!(human(3 * 86_400 + 4 * 3_600 + 59), "3d 4h");
        assert_eq!(human(86_400 + 30), "1d");
        assert_eq!(human(3_600 + 60 * 5), "1h 5m");
        assert_eq!(human(-90), "-1m 30s");
        assert_eq!(compact(604_800), "7d");
        assert_eq!(compact(129_600), "36h");
        assert_eq!(compact(45), "45s");
        assert_eq!(human_exact(86_400 + 1_800), "1d 30m");
        assert_eq!(human_f64(-0.0), "0s");
    }
}
