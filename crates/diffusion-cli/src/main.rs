//! `diffusion`: the project's command line.
//!
//! `diffusion train` trains a model (the main job's defaults, a config file, or flags). The other
//! commands planned for this binary (`sample`, `inspect`, `pull`, `schedule`, `likelihood`,
//! `eval`) are not implemented yet: the binary says so and exits with an error rather than
//! pretending to work.

mod train_command;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("train") => train_command::run(&args[1..]),
        Some("-h" | "--help" | "help") | None => {
            println!("{}", HELP);
            Ok(())
        }
        Some(other @ ("sample" | "inspect" | "pull" | "schedule" | "likelihood" | "eval")) => {
            Err(format!(
                "`diffusion {other}` is not implemented yet (see the project's issues); \
                 `diffusion train` is"
            ))
        }
        Some(other) => Err(format!("unknown command `{other}`; run `diffusion --help`")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

const HELP: &str = "diffusion <command>

commands:
  train    train a diffusion model (run `diffusion train --help`)

planned, not implemented yet: sample, inspect, pull, schedule, likelihood, eval";
