//! Sample quality against the number of network evaluations: for each sampler and NFE, draws from
//! a checkpoint with the step count that makes exactly that many evaluations (guidance doubles the
//! batch of each evaluation, not their number), scores the samples (images: FD, conditional
//! accuracy; 2-D: sliced W2) and writes `quality_vs_nfe.md` (a Markdown table) and
//! `quality_vs_nfe.png` (the first metric against NFE, log x and log y, one line per sampler,
//! the real-data floor in grey) into OUT_DIR:
//!
//! `cargo run --release -p diffusion-eval --example quality_vs_nfe -- CHECKPOINT OUT_DIR
//! [--per-class 50] [--points 1000] [--nfe 5,10,20,50,100] [--samplers ddim,dpmpp-2m,euler-ancestral]
//! [--guidance G] [--seed 0] [--classifier datasets/mnist-classifier]`

use std::path::{Path, PathBuf};

use burn::backend::Flex;
use diffusion_eval::checkpoint_eval::{evaluate_checkpoint, DrawCounts, Scorer};
use diffusion_eval::classifier::DEFAULT_CLASSIFIER_DIR;
use diffusion_eval::plot::{write_nfe_plot, COLOR_NAMES};
use diffusion_eval::{steps_for_nfe, Checkpoint, QualityReport, SamplingSettings};

const USAGE: &str = "usage: quality_vs_nfe CHECKPOINT OUT_DIR [--per-class N] [--points N] \
[--nfe 5,10,20,50,100] [--samplers ddim,dpmpp-2m,euler-ancestral] [--guidance G] [--seed S] \
[--classifier DIR]";

struct Options {
    checkpoint: PathBuf,
    out: PathBuf,
    per_class: usize,
    points: usize,
    nfes: Vec<usize>,
    samplers: Vec<String>,
    guidance: Option<f64>,
    seed: u64,
    classifier: PathBuf,
}

fn parse() -> Result<Options, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut positional = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut o = Options {
        checkpoint: PathBuf::new(),
        out: PathBuf::new(),
        per_class: 50,
        points: 1000,
        nfes: vec![5, 10, 20, 50, 100],
        samplers: ["ddim", "dpmpp-2m", "euler-ancestral"]
            .map(String::from)
            .to_vec(),
        guidance: None,
        seed: 0,
        classifier: root.join(DEFAULT_CLASSIFIER_DIR),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} needs a value\n{USAGE}"));
        let bad = |e: &dyn std::fmt::Display| format!("{a}: {e}\n{USAGE}");
        match a.as_str() {
            "--per-class" => o.per_class = value()?.parse().map_err(|e| bad(&e))?,
            "--points" => o.points = value()?.parse().map_err(|e| bad(&e))?,
            "--nfe" => {
                o.nfes = value()?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()
                    .map_err(|e| bad(&e))?
            }
            "--samplers" => o.samplers = value()?.split(',').map(String::from).collect(),
            "--guidance" => o.guidance = Some(value()?.parse().map_err(|e| bad(&e))?),
            "--seed" => o.seed = value()?.parse().map_err(|e| bad(&e))?,
            "--classifier" => o.classifier = PathBuf::from(value()?),
            "-h" | "--help" => return Err(USAGE.into()),
            other if other.starts_with("--") => {
                return Err(format!("unknown option {other}\n{USAGE}"))
            }
            other => positional.push(other.to_string()),
        }
    }
    let [checkpoint, out] = <[String; 2]>::try_from(positional).map_err(|_| USAGE.to_string())?;
    o.checkpoint = checkpoint.into();
    o.out = out.into();
    Ok(o)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let o = parse()?;
    let device = Default::default();
    let checkpoint = Checkpoint::load(&o.checkpoint)?;
    let scorer = Scorer::<Flex>::for_checkpoint(&checkpoint, &o.classifier, &device)?;
    let guidance = o
        .guidance
        .unwrap_or(checkpoint.state.config.preview.guidance_scale);
    let counts = DrawCounts {
        per_class: o.per_class,
        points: o.points,
    };
    std::fs::create_dir_all(&o.out)?;
    let mut reports: Vec<(String, QualityReport)> = Vec::new();
    let mut skipped = Vec::new();
    for sampler in &o.samplers {
        for &nfe in &o.nfes {
            let Some(steps) = steps_for_nfe(sampler, nfe)? else {
                skipped.push(format!("{sampler} at NFE {nfe} (no step count gives it)"));
                continue;
            };
            let settings = SamplingSettings {
                sampler: sampler.clone(),
                steps,
                guidance,
                seed: o.seed,
            };
            let (report, _) =
                evaluate_checkpoint(&checkpoint, &scorer, &settings, &counts, &device)?;
            let first = &report.metrics[0];
            println!(
                "{sampler:>16}  NFE {nfe:>3}  {} {:.4}  ({:.1} s)",
                first.metric, first.value, report.sample_seconds
            );
            reports.push((sampler.clone(), report));
        }
    }
    let Some((_, any)) = reports.first() else {
        return Err("nothing was evaluated (check --samplers and --nfe)".into());
    };
    let metric = any.metrics[0].metric.clone();
    let floor = any.metrics[0].floor;
    let accuracy = any.metric("conditional accuracy").is_some();

    let mut md = format!(
        "# {metric} against NFE\n\nCheckpoint `{}`, {} samples per point vs {} reference, guidance \
         {}, seed {}. Floor (real data at the same sample count): {}.{}\n\n",
        o.checkpoint.display(),
        any.num_samples,
        any.num_reference,
        any.guidance.map_or("none".to_string(), |g| g.to_string()),
        o.seed,
        floor.map_or("-".into(), |f| format!("{f:.4}")),
        any.metric("conditional accuracy")
            .and_then(|m| m.floor)
            .map(|f| format!(" Classifier accuracy on held-out images: {:.1} %.", 100.0 * f))
            .unwrap_or_default(),
    );
    md += "| sampler | colour | NFE | steps | ";
    md += &metric;
    md += if accuracy { " | cond. accuracy" } else { "" };
    md += " | sampling s |\n|---|---|---|---|---|";
    md += if accuracy { "---|" } else { "" };
    md += "---|\n";
    let mut series: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for (k, sampler) in o.samplers.iter().enumerate() {
        let mut points = Vec::new();
        for (_, r) in reports.iter().filter(|(s, _)| s == sampler) {
            let value = r.metrics[0].value;
            points.push((r.nfe as f64, value));
            md += &format!(
                "| {sampler} | {} | {} | {} | {value:.4} |",
                COLOR_NAMES[k % COLOR_NAMES.len()],
                r.nfe,
                r.steps
            );
            if let Some(a) = r.metric("conditional accuracy") {
                md += &format!(" {:.1} % |", 100.0 * a.value);
            }
            md += &format!(" {:.1} |\n", r.sample_seconds);
        }
        series.push((sampler.clone(), points));
    }
    if !skipped.is_empty() {
        md += &format!("\nSkipped: {}.\n", skipped.join("; "));
    }
    md += "\nPlot: `quality_vs_nfe.png`, log-log, one line per sampler in the colour above; the \
           floor in grey.\n";
    let table = o.out.join("quality_vs_nfe.md");
    std::fs::write(&table, &md)?;
    write_nfe_plot(&o.out.join("quality_vs_nfe.png"), &series, floor)?;
    println!("\n{md}\nwrote {} and quality_vs_nfe.png", table.display());
    Ok(())
}
