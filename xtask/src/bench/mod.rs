//! `cargo xtask bench [--tiny] [--cuda] [NAME…]`: runs the benchmark binaries in release mode,
//! each appending its result rows (JSON lines) to `target/bench/rows.jsonl`, then prints one
//! table of them and writes it to `target/bench/results.json` and `results.md`.
//!
//! The benchmarks run the PyTorch/diffusers reference themselves, in the same run, when they
//! find a Python with torch and diffusers (`DIFFUSION_REFERENCE_PYTHON`, else `.venv-bench`).

mod report;
mod rows;

use std::path::{Path, PathBuf};

use crate::test_suite;

/// The benchmarks: the name on the command line, the bench target, what it compares.
const BENCHES: [(&str, &str, &str); 5] = [
    ("kernels", "fused_kernels", "fused kernels vs unfused burn"),
    ("step", "sampler_step", "one DDIM step vs diffusers"),
    ("unet", "unet", "U-Net forward and training step vs PyTorch"),
    ("training", "training", "training step vs PyTorch"),
    ("sampling", "sampling", "50-step DDIM sampling vs diffusers"),
];

/// What the command line asked for.
#[derive(Debug, PartialEq)]
struct Options {
    /// Tiny sizes and few repeats (a check that the harness runs).
    tiny: bool,
    /// Add the CUDA backend to the kernel benchmark.
    cuda: bool,
    /// The benchmarks to run (all when none is named).
    names: Vec<&'static str>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Self, String> {
        let mut options = Options {
            tiny: false,
            cuda: false,
            names: Vec::new(),
        };
        for arg in args {
            match arg.as_str() {
                "--tiny" => options.tiny = true,
                "--cuda" => options.cuda = true,
                name => match BENCHES.iter().find(|b| b.0 == name) {
                    Some(bench) => options.names.push(bench.0),
                    None => {
                        let names: Vec<&str> = BENCHES.iter().map(|b| b.0).collect();
                        return Err(format!(
                            "unknown bench argument `{name}`; expected --tiny, --cuda or one of {}",
                            names.join(", ")
                        ));
                    }
                },
            }
        }
        Ok(options)
    }

    fn wants(&self, name: &str) -> bool {
        self.names.is_empty() || self.names.contains(&name)
    }
}

/// The repository root (this crate lives in `xtask/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the repository")
        .to_path_buf()
}

/// Runs the requested benchmarks, then prints and writes the combined table. A benchmark that
/// fails does not stop the others; the command fails at the end, after the table.
pub fn run(args: &[String]) -> Result<(), String> {
    let options = Options::parse(args)?;
    let out_dir = root().join("target/bench");
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let rows_path = out_dir.join("rows.jsonl");
    let _ = std::fs::remove_file(&rows_path);
    // The bench binaries inherit these from cargo, which inherits them from us.
    std::env::set_var("DIFFUSION_BENCH_ROWS", &rows_path);
    if options.tiny {
        std::env::set_var("DIFFUSION_BENCH_TINY", "1");
    }
    let mut failures = Vec::new();
    for (name, target, what) in BENCHES {
        if !options.wants(name) {
            continue;
        }
        let mut cargo_args = vec!["bench", "-p", "diffusion", "--bench", target];
        if name == "kernels" && options.cuda {
            cargo_args.extend(["--features", "cuda", "--", "--cuda"]);
        }
        if let Err(e) = test_suite::step(&format!("cargo bench ({what})"), &cargo_args) {
            eprintln!("error: {e}");
            failures.push(e);
        }
    }
    let text = std::fs::read_to_string(&rows_path).unwrap_or_default();
    let rows = rows::parse(&text)?;
    if rows.is_empty() {
        failures.push("no benchmark recorded a result".to_string());
    } else {
        let report = report::Report::new(rows);
        println!("\n{}", report.text());
        write(&out_dir.join("results.md"), &report.markdown())?;
        let json = serde_json::to_string_pretty(&report.json()).unwrap_or_default();
        write(&out_dir.join("results.json"), &(json + "\n"))?;
        println!(
            "written: {} and results.md",
            out_dir.join("results.json").display()
        );
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("; "))
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn no_names_means_every_benchmark() {
        let options = Options::parse(&[]).unwrap();
        assert!(BENCHES.iter().all(|b| options.wants(b.0)));
        assert!(!options.tiny && !options.cuda);
    }

    #[test]
    fn flags_and_names_are_picked_up() {
        let options = Options::parse(&args(&["--tiny", "step", "unet"])).unwrap();
        assert!(options.tiny);
        assert_eq!(options.names, ["step", "unet"]);
        assert!(!options.wants("sampling"));
    }

    #[test]
    fn an_unknown_argument_is_refused() {
        let err = Options::parse(&args(&["--fast"])).unwrap_err();
        assert!(
            err.contains("kernels, step, unet, training, sampling"),
            "{err}"
        );
    }
}
