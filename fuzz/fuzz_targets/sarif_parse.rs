//! Fuzzes the SARIF reader: any text gives findings or an error with a position, never
//! a panic; the severity counts add up and messages stay one bounded line.

#![no_main]

use libfuzzer_sys::fuzz_target;
use slipgate::collect::sarif::{MESSAGE_MAX, parse};
use slipgate::model::{SarifData, Severity};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut d = SarifData::default();
    match parse("fuzz.sarif", text, &mut d) {
        Err(e) => {
            let _ = e.to_string();
        }
        Ok(()) => {
            let sum: usize = Severity::ALL.iter().map(|s| d.count(*s)).sum();
            assert_eq!(sum, d.findings.len());
            for f in &d.findings {
                assert!(f.message.chars().count() <= MESSAGE_MAX + 1, "{f:?}");
                assert!(!f.message.contains(['\n', '\r']), "{f:?}");
            }
        }
    }
});
