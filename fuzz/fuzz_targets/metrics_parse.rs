//! Fuzzes the external metrics reader (CSV and JSON lines): any text must give samples
//! or an error naming a real position, never a panic; values are finite, names valid.

#![no_main]

use libfuzzer_sys::fuzz_target;
use slipgate::collect::external::{ExternalError, parse, valid_name};
use slipgate::model::ExternalData;
use slipgate::policy::OnMalformed;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for name in ["fuzz.csv", "fuzz.jsonl", "fuzz.txt"] {
        let mut strict = ExternalData::default();
        let result = parse(name, text, OnMalformed::Error, &mut strict);
        if let Err(e) = &result {
            let _ = e.to_string();
            if let ExternalError::Line { line, column, .. } = e {
                assert!(*line >= 1 && *column >= 1, "{line}:{column}");
            }
        }
        let mut lenient = ExternalData::default();
        // Warn mode fails only without a CSV header; it keeps every sample strict mode kept.
        if parse(name, text, OnMalformed::Warn, &mut lenient).is_ok() {
            assert!(lenient.samples.len() >= strict.samples.len());
            if result.is_ok() {
                assert_eq!(lenient.samples, strict.samples);
                assert!(lenient.warnings.is_empty());
            }
        }
        for s in lenient.samples.iter().chain(&strict.samples) {
            assert!(s.value.is_finite(), "{s:?}");
            assert!(valid_name(&s.name), "{s:?}");
        }
    }
});
