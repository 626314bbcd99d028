//! `diffusion eval`: draws samples from a training checkpoint and scores them (images: Fréchet
//! distance in the MNIST classifier's feature space, class-conditional accuracy and
//! precision/recall against the held-out split; 2-D models: sliced W2 and MMD against exact
//! samples of the toy distribution), each beside its real-data floor.

use std::path::PathBuf;

use burn::backend::Flex;
use clap::Args;
use diffusion_eval::checkpoint_eval::{evaluate_checkpoint, DrawCounts, Scorer};
use diffusion_eval::classifier::DEFAULT_CLASSIFIER_DIR;
use diffusion_eval::metrics::points::exact_samples;
use diffusion_eval::{Checkpoint, SamplingSettings};
use diffusion_sampling::SamplerName;
use diffusion_train::preview::write_preview;

use crate::sampler_arg::FIXED_SAMPLER;

/// Options of `diffusion eval`.
#[derive(Args, Debug)]
#[command(
    after_help = "Images are compared with the run's held-out split (never trained on) in the \
feature space of the classifier in datasets/mnist-classifier; the floor column is the same metric \
for real images (2-D: for exact samples) at the same sample count.

examples:
  diffusion eval runs/mnist/checkpoints/checkpoint-002000
  diffusion eval runs/mnist/checkpoints/checkpoint-002000 --sampler dpmpp-2m --steps 20 --guidance 2 --json
  diffusion eval runs/mnist/checkpoints/checkpoint-002000 --num-per-class 10 --out-dir eval/ddim-50
  diffusion eval runs/two-moons/checkpoints/checkpoint-001500 --num-points 2000"
)]
pub struct EvalArgs {
    /// A checkpoint directory (runs/NAME/checkpoints/checkpoint-NNNNNN).
    pub checkpoint: PathBuf,
    /// Images drawn per class (class-conditional U-Nets; unconditional ones draw 10× this many).
    #[arg(long, default_value_t = 50)]
    pub num_per_class: usize,
    /// Points drawn from a 2-D (MLP) checkpoint.
    #[arg(long, default_value_t = 1000)]
    pub num_points: usize,
    /// Sampler; default: the run's preview sampler.
    #[arg(long, value_parser = FIXED_SAMPLER)]
    pub sampler: Option<SamplerName>,
    /// Sampler steps; default: the run's preview steps.
    #[arg(long)]
    pub steps: Option<usize>,
    /// Classifier-free guidance scale; default: the run's preview scale.
    #[arg(long)]
    pub guidance: Option<f64>,
    /// Noise seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The classifier directory (config.json + model.safetensors).
    #[arg(long, default_value = DEFAULT_CLASSIFIER_DIR)]
    pub classifier: PathBuf,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also write grid.png (scatter.png for 2-D) and report.json into this directory.
    #[arg(long)]
    pub out_dir: Option<PathBuf>,
    /// Overwrite grid.png / scatter.png / report.json in --out-dir.
    #[arg(long)]
    pub force: bool,
    /// No progress lines on stderr.
    #[arg(long)]
    pub quiet: bool,
}

/// Runs `diffusion eval` on the CPU (burn flex); every failure comes back as a message.
pub fn run(args: &EvalArgs) -> Result<(), String> {
    if let Some(dir) = &args.out_dir {
        for name in ["grid.png", "scatter.png", "report.json"] {
            crate::image_files::check_writable(&dir.join(name), args.force)?;
        }
    }
    let device = Default::default();
    let checkpoint = Checkpoint::load(&args.checkpoint).map_err(|e| e.to_string())?;
    let preview = &checkpoint.state.config.preview;
    let settings = SamplingSettings {
        sampler: args
            .sampler
            .map_or_else(|| preview.sampler.to_string(), |name| name.to_string()),
        steps: args.steps.unwrap_or(preview.steps),
        guidance: args.guidance.unwrap_or(preview.guidance_scale),
        seed: args.seed,
    };
    if settings.steps == 0 {
        return Err("--steps must be at least 1".into());
    }
    if args.num_per_class == 0 || args.num_points < 2 {
        return Err("--num-per-class must be at least 1 and --num-points at least 2".into());
    }
    let nfe = settings.nfe().map_err(|e| e.to_string())?;
    let scorer = Scorer::<Flex>::for_checkpoint(&checkpoint, &args.classifier, &device)
        .map_err(|e| e.to_string())?;
    if !args.quiet {
        let guidance = match (&scorer, checkpoint.class_embeddings()) {
            (Scorer::Images(_), Some(_)) => format!(", guidance {}", settings.guidance),
            _ => String::new(),
        };
        eprintln!(
            "sampling from {} with {} × {} steps (NFE {nfe}){guidance} ...",
            args.checkpoint.display(),
            settings.sampler,
            settings.steps,
        );
    }
    let counts = DrawCounts {
        per_class: args.num_per_class,
        points: args.num_points,
    };
    let (report, samples) = evaluate_checkpoint(&checkpoint, &scorer, &settings, &counts, &device)
        .map_err(|e| e.to_string())?;
    if args.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_table());
    }
    if let Some(dir) = &args.out_dir {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let (name, rows, data) = match &scorer {
            Scorer::Images(_) => {
                let rows = samples
                    .labels
                    .as_ref()
                    .map(|l| l.iter().max().map_or(1, |m| m + 1))
                    .unwrap_or(10);
                ("grid.png", rows, Vec::new())
            }
            Scorer::Points(toy) => {
                let exact: Vec<f32> = exact_samples(*toy, samples.values.len() / 2, args.seed)
                    .into_iter()
                    .flatten()
                    .map(|v| v as f32)
                    .collect();
                ("scatter.png", 1, exact)
            }
        };
        let image = dir.join(name);
        write_preview(&image, &samples.values, &samples.item_shape, rows, &data)
            .map_err(|e| e.to_string())?;
        let json = dir.join("report.json");
        diffusion_data::files::write_atomically(
            &json,
            format!("{}\n", report.to_json()).as_bytes(),
        )
        .map_err(|e| e.to_string())?;
        if !args.quiet {
            eprintln!("wrote {} and {}", image.display(), json.display());
        }
    }
    Ok(())
}
