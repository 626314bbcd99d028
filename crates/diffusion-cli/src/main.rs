//! `diffusion`: the project's command line (planned; not implemented yet).
//!
//! The commands `sample`, `train`, `inspect`, `pull`, `schedule`, `likelihood` and `eval` are
//! specified in the project's issues and will live here. Until then the binary says so and
//! exits with an error instead of pretending to work. `cargo xtask schedule` prints schedule
//! tables today.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!(
        "error: the `diffusion` command line is not implemented yet.\n\
         hint: `cargo xtask schedule vp` prints a forward-process table today; see README.md."
    );
    ExitCode::from(2)
}
