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
            let text = slipgate::error::chain(&e);
            let lines: Vec<_> = text.split('\n').map(slipgate::escape::line).collect();
            slipgate::console::eprint_line(&format!("error: {}", lines.join("\n")));
            slipgate::error::exit::ERROR
        }
    };
    std::process::exit(code);
}
