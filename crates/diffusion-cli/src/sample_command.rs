//! `diffusion sample`: images (or 2-D points) from a checkpoint, a diffusers model folder or a
//! hub model, with any of the project's samplers.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;
use diffusion_data::images::write_grid;
use diffusion_data::memory::check_fits;
use diffusion_model::weights::{write_safetensors, NamedTensor, CONFIG_FILE};
use diffusion_model::NetworkConfig;
use diffusion_sampling::adaptive::AdaptiveOde;
use diffusion_sampling::samplers::Ddpm;
use diffusion_sampling::{PlanOptions, Sampler};

use crate::backend::{run_on, BackendChoice};
use crate::image_files::{
    check_each_writable, check_writable, read_image, read_mask, write_each, write_output,
};
use crate::model_source::{resolve, ModelSource};
use crate::sample_job::{Guide, Method, SampleJob};
use crate::sampler_arg::{SamplerChoice, SAMPLER_CHOICE};

/// Options of `diffusion sample`.
#[derive(Args, Debug)]
#[command(after_help = "examples:
  diffusion sample --model runs/mnist --sampler dpmpp-2m --steps 20 --class 3 --guidance 2 --out threes.png
  diffusion sample --model google/ddpm-cifar10-32 --sampler ddim --steps 50 --num 16 --out cifar.png
  diffusion sample --model runs/mnist --sampler ddim --init-image digit.png --strength 0.6 --out-dir edits/
  diffusion sample --model runs/mnist --init-image digit.png --mask mask.png --out inpainted.png")]
pub struct SampleArgs {
    /// A checkpoint directory, a training run (its newest checkpoint), a diffusers UNet2DModel
    /// folder, or a Hugging Face hub id (downloaded into the hub cache).
    #[arg(long, short = 'm')]
    pub model: String,
    /// The sampler: a fixed-step one (--steps) or the adaptive ODE solver (--tolerance).
    #[arg(long, default_value = "ddim", value_parser = SAMPLER_CHOICE)]
    pub sampler: SamplerChoice,
    /// Sampler steps (the network is evaluated about once per step; Heun twice).
    #[arg(long, default_value_t = 50)]
    pub steps: usize,
    /// DDIM's η (0: deterministic, 1: as stochastic as DDPM).
    #[arg(long, default_value_t = 0.0)]
    pub eta: f64,
    /// Noise seed: the same seed gives the same images on any backend and batch size.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Number of samples.
    #[arg(long, default_value_t = 16)]
    pub num: usize,
    /// Samples per batch (memory versus speed; the images do not change).
    #[arg(long, default_value_t = 16)]
    pub batch: usize,
    /// Class label(s) for a class-conditional model, comma-separated; samples cycle through
    /// them (default: all classes in turn).
    #[arg(long, value_delimiter = ',')]
    pub class: Vec<usize>,
    /// Classifier-free guidance scale (1: plain conditional sampling; needs a model trained
    /// with label dropout, the null class being its last label).
    #[arg(long)]
    pub guidance: Option<f64>,
    /// Backend: flex (CPU), wgpu, or cuda.
    #[arg(long, value_enum, default_value_t = BackendChoice::Flex)]
    pub backend: BackendChoice,
    /// Write a PNG grid (the default is samples.png when no other output is given).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write each image as DIR/NNNNN.png.
    #[arg(long)]
    pub out_dir: Option<PathBuf>,
    /// Write the raw samples as safetensors (`samples`: [N, C, H, W] in the model's units).
    #[arg(long)]
    pub save_tensors: Option<PathBuf>,
    /// SDEdit: start from this image noised to `--strength`.
    #[arg(long)]
    pub init_image: Option<PathBuf>,
    /// Fraction of the sampler's steps that run from the noised guide (SDEdit default 0.8,
    /// inpainting default 1).
    #[arg(long)]
    pub strength: Option<f64>,
    /// Inpainting mask PNG (white: repaint, black: keep), with --init-image.
    #[arg(long)]
    pub mask: Option<PathBuf>,
    /// Image side for models whose config has no sample_size.
    #[arg(long)]
    pub size: Option<usize>,
    /// Tolerance (relative and absolute) of ode-adaptive.
    #[arg(long, default_value_t = 1e-5)]
    pub tolerance: f64,
    /// Overwrite existing output files.
    #[arg(long)]
    pub force: bool,
    /// Print a JSON summary instead of text.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Labels per sample and the guidance (scale, null class), checked against the model.
type Conditioning = (Option<Vec<usize>>, Option<(f64, usize)>);

fn conditioning(args: &SampleArgs, classes: Option<usize>) -> Result<Conditioning, String> {
    let Some(count) = classes else {
        if !args.class.is_empty() {
            return Err(
                "--class needs a class-conditional model; this one is unconditional".into(),
            );
        }
        if args.guidance.is_some_and(|g| g != 1.0) {
            return Err(
                "--guidance needs a class-conditional model; this one is unconditional".into(),
            );
        }
        return Ok((None, None));
    };
    let null_class = count - 1;
    let wanted: Vec<usize> = if args.class.is_empty() {
        (0..null_class.max(1)).collect()
    } else {
        args.class.clone()
    };
    if let Some(bad) = wanted.iter().find(|&&c| c >= count) {
        return Err(format!(
            "--class {bad}: the model has classes 0..{}",
            count - 1
        ));
    }
    let labels = (0..args.num).map(|i| wanted[i % wanted.len()]).collect();
    Ok((Some(labels), args.guidance.map(|g| (g, null_class))))
}

fn method(args: &SampleArgs, source: &ModelSource) -> Result<Method, String> {
    let SamplerChoice::Fixed(name) = args.sampler else {
        if args.init_image.is_some() {
            return Err("--init-image works with fixed-step samplers, not ode-adaptive".into());
        }
        return Ok(Method::Adaptive(AdaptiveOde {
            rel_tol: args.tolerance,
            abs_tol: args.tolerance,
            t_end: None,
        }));
    };
    if args.steps == 0 {
        return Err("--steps must be at least 1".into());
    }
    let mut sampler = name.sampler(args.eta);
    if let Sampler::Ddpm(Ddpm { variance }) = &mut sampler {
        *variance = source.ddpm_variance()?;
    }
    let mut options = PlanOptions::new(sampler.default_spacing(source.trained.time_domain()));
    options.clip = source.clip();
    sampler
        .plan(source.trained.process.as_ref(), args.steps, &options)
        .map(Method::Plan)
        .map_err(|e| e.to_string())
}

fn guide(args: &SampleArgs, shape: &[usize]) -> Result<Option<Guide>, String> {
    let Some(path) = &args.init_image else {
        if args.mask.is_some() {
            return Err(
                "--mask needs --init-image (the picture whose black pixels are kept)".into(),
            );
        }
        if args.strength.is_some() {
            return Err("--strength needs --init-image".into());
        }
        return Ok(None);
    };
    let [c, h, w] = shape else {
        return Err("--init-image needs an image model".into());
    };
    if h != w {
        return Err(format!(
            "--init-image supports square models; this one is {h}×{w}"
        ));
    }
    let strength = args
        .strength
        .unwrap_or(if args.mask.is_some() { 1.0 } else { 0.8 });
    if !(strength > 0.0 && strength <= 1.0) {
        return Err(format!("--strength {strength}: must be in (0, 1]"));
    }
    Ok(Some(Guide {
        image: read_image(path, *c, *h)?,
        mask: args.mask.as_deref().map(|m| read_mask(m, *h)).transpose()?,
        strength,
    }))
}

/// Refuses, before anything is allocated, an image side, a sample count or a batch that needs
/// more memory than the machine has, naming the flag.
fn check_sizes(args: &SampleArgs, network: &NetworkConfig, shape: &[usize]) -> Result<(), String> {
    if args.size == Some(0) {
        return Err("--size 0: an image side must be at least 1 pixel".into());
    }
    if let Some(size) = args.size {
        if let Some(problem) = network.item_shape_problem(shape) {
            return Err(format!("--size {size}: {problem}"));
        }
    }
    let footprint = network.footprint(shape);
    let doubled = if args.guidance.is_some_and(|g| g != 1.0) {
        2
    } else {
        1
    };
    let side = args.size.map_or_else(
        || "the model's sample_size".to_string(),
        |s| format!("--size {s}"),
    );
    check_fits(
        &format!("--batch {} at {side}", args.batch.min(args.num)),
        footprint.bytes(args.batch.min(args.num) * doubled),
    )
    .map_err(|e| e.to_string())?;
    let item = shape.iter().map(|&d| d as u128).product::<u128>();
    // The samples as f32, and again as bytes for the PNG files.
    check_fits(&format!("--num {}", args.num), item * args.num as u128 * 5)
        .map_err(|e| e.to_string())
}

/// Runs `diffusion sample`.
pub fn run(args: &SampleArgs) -> Result<(), String> {
    if args.num == 0 || args.batch == 0 {
        return Err("--num and --batch must be at least 1".into());
    }
    let out = match (&args.out, &args.out_dir, &args.save_tensors) {
        (None, None, None) => Some(PathBuf::from("samples.png")),
        _ => args.out.clone(),
    };
    for path in out.iter().chain(&args.save_tensors) {
        check_writable(path, args.force)?;
    }
    if let Some(dir) = &args.out_dir {
        check_each_writable(dir, args.num, args.force)?;
    }
    let source = resolve(&args.model)?;
    for note in &source.notes {
        eprintln!("note: {note}");
    }
    let network = &source.network;
    let shape = network.item_shape(args.size).ok_or_else(|| {
        format!(
            "{} has no sample_size; pass --size",
            source.network_dir.join(CONFIG_FILE).display()
        )
    })?;
    check_sizes(args, network, &shape)?;
    let (labels, guidance) = conditioning(args, network.class_count())?;
    let method = method(args, &source)?;
    let guide = guide(args, &shape)?;
    let job = SampleJob {
        source: &source,
        method: &method,
        item_shape: shape.clone(),
        labels: labels.clone(),
        guidance,
        num: args.num,
        batch: args.batch,
        seed: args.seed,
        guide,
        quiet: args.quiet || args.json,
    };
    let started = std::time::Instant::now();
    let drawn = run_on(args.backend, job)?;
    let seconds = started.elapsed().as_secs_f64();
    let item: usize = shape.iter().product();
    if let Some(bad) = drawn.values.iter().position(|v| !v.is_finite()) {
        return Err(format!(
            "sample {} came out as {} (not a number); nothing was written. The model's weights \
             or this sampler's settings are broken: try another sampler or more --steps, or \
             check the model with `diffusion inspect --verify`",
            bad / item.max(1),
            drawn.values[bad]
        ));
    }
    let mut written = Vec::new();
    if let Some(path) = &out {
        write_output(path, args.force, |staged| {
            match shape.as_slice() {
                &[c, h, w] => {
                    let cols = (args.num as f64).sqrt().ceil() as usize;
                    let rows = args.num.div_ceil(cols);
                    write_grid(staged, &drawn.values, [c, h, w], rows, cols)
                }
                _ => diffusion_data::images::write_scatter(staged, &[], &drawn.values),
            }
            .map_err(|e| e.to_string())
        })?;
        written.push(path.clone());
    }
    if let Some(dir) = &args.out_dir {
        let [c, h, w] = shape.as_slice() else {
            return Err("--out-dir writes images; 2-D points go to --save-tensors or --out".into());
        };
        written.extend(write_each(dir, &drawn.values, [*c, *h, *w], args.force)?);
    }
    if let Some(path) = &args.save_tensors {
        let mut tensors = BTreeMap::new();
        let mut full_shape = vec![args.num];
        full_shape.extend(&shape);
        tensors.insert(
            "samples".to_string(),
            NamedTensor {
                shape: full_shape,
                values: drawn.values.clone(),
            },
        );
        if let Some(l) = &labels {
            tensors.insert(
                "labels".to_string(),
                NamedTensor {
                    shape: vec![l.len()],
                    values: l.iter().map(|&v| v as f32).collect(),
                },
            );
        }
        write_output(path, args.force, |staged| {
            write_safetensors(staged, &tensors).map_err(|e| e.to_string())
        })?;
        written.push(path.clone());
    }
    let sampler = args.sampler;
    if args.json {
        let summary = serde_json::json!({
            "model": args.model,
            "network": source.network_dir,
            "sampler": sampler.as_str(),
            "steps": args.steps,
            "network_evaluations": drawn.evaluations,
            "seed": args.seed,
            "num": args.num,
            "guidance": guidance.map(|g| g.0),
            "seconds": seconds,
            "outputs": written,
            "notes": source.notes,
        });
        println!("{summary:#}");
    } else {
        println!(
            "{} samples with {sampler} ({} network evaluations each{}) in {seconds:.1} s",
            args.num,
            drawn.evaluations,
            guidance
                .filter(|g| g.0 != 1.0)
                .map(|g| format!(", guidance {}: twice the batch", g.0))
                .unwrap_or_default()
        );
        for path in written {
            println!("  wrote {}", path.display());
        }
    }
    Ok(())
}
