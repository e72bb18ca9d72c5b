//! The `slipgate` binary: parse, run, print errors once, exit with a documented code.

#![deny(clippy::print_stdout, clippy::print_stderr)]

fn main() {
    let cli = slipgate::cli::Cli::from_env();
    let code = match slipgate::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // An error quotes data (file names, server messages): each of its lines (a
            // policy error shows the offending lines) is shown as it is and can never
            // read as a workflow command.
            let text = chain(&e);
            let lines: Vec<_> = text.split('\n').map(slipgate::escape::line).collect();
            slipgate::console::eprint_line(&format!("error: {}", lines.join("\n")));
            slipgate::error::exit::ERROR
        }
    };
    std::process::exit(code);
}

/// The error and its sources, each once.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(cause) = src {
        let c = cause.to_string();
        if !s.contains(&c) {
            s.push_str(": ");
            s.push_str(&c);
        }
        src = cause.source();
    }
    s
}
