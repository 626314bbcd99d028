//! The training loop: batches from the seeded order, noising through the fused kernel, the
//! weighted regression loss, AdamW with clipping, the EMA, metrics, previews and checkpoints.
//! Every random draw is keyed by (seed, stream, global sample index), so a resumed run repeats
//! exactly the losses an uninterrupted run would have had.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::AutodiffModule;
use burn::optim::{GradientsAccumulator, GradientsParams};
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{ElementConversion, Int, Tensor, TensorData};
use diffusion_data::{order, Dataset};
use diffusion_kernels::{noise, FusedKernels, NoiseKey, NoisingParams, NoisingTarget};
use diffusion_math::Prediction;
use diffusion_model::weights::{read_safetensors, write_safetensors};
use diffusion_model::{MlpDenoiser, ModelBackend, ModelResult, UNet2DModel};

use crate::checkpoint::{
    latest_checkpoint, read_state, write_checkpoint, MetricsRow, TrainState, OPTIMIZER_FILE,
};
use crate::config::{ModelConfig, TrainConfig};
use crate::data::{load_dataset, streams, training_split, Batches};
use crate::ema::{ema_decay, ema_update};
use crate::error::{TrainError, TrainResult};
use crate::images::write_loss_curve;
use crate::metrics::MetricsLog;
use crate::network::TrainableNetwork;
use crate::objective::Objective;
use crate::optimizer::{gradient_norm, learning_rate, AdamW};
use crate::params::flat_params;
use crate::preview::{draw_samples, write_preview};

/// How to run (as opposed to what to train, which is the [`TrainConfig`]).
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Where checkpoints, samples, metrics.csv and loss.png go.
    pub output_dir: PathBuf,
    /// Continue from the newest complete checkpoint in `output_dir` (start fresh if none).
    pub resume: bool,
    /// Print a progress line every so often.
    pub progress: bool,
    /// Stop (after checkpointing) once this step is done, as if interrupted; for tests and demos.
    pub stop_after: Option<u64>,
}

impl RunOptions {
    /// A run writing to `output_dir`, fresh, with progress.
    pub fn new(output_dir: impl Into<PathBuf>) -> Self {
        Self {
            output_dir: output_dir.into(),
            resume: false,
            progress: true,
            stop_after: None,
        }
    }
}

/// What a call to [`train`] did.
#[derive(Debug, Clone)]
pub struct TrainSummary {
    /// The first step this call ran (after a resume, the one after the checkpoint).
    pub first_step: u64,
    /// The last step completed.
    pub last_step: u64,
    /// The loss of each step this call ran.
    pub losses: Vec<f64>,
    /// The newest checkpoint written.
    pub last_checkpoint: Option<PathBuf>,
    /// The newest preview image written.
    pub last_preview: Option<PathBuf>,
    /// metrics.csv.
    pub metrics: PathBuf,
    /// loss.png.
    pub loss_curve: PathBuf,
    /// Training images per second over this call's steps (previews and checkpoints excluded).
    pub images_per_second: f64,
}

/// Trains the network of `config` on backend `B` (an autodiff backend such as
/// `Autodiff<Flex>`); see [`RunOptions`] for resuming. Tunes the process allocator first
/// ([`diffusion_model::cpu_allocator::tune_for_tensors`]: freed tensor buffers stay reusable).
pub fn train<B>(
    config: &TrainConfig,
    options: &RunOptions,
    device: &B::Device,
) -> TrainResult<TrainSummary>
where
    B: AutodiffBackend + FusedKernels + ModelBackend,
    B::InnerBackend: FusedKernels + ModelBackend,
{
    config.validate()?;
    diffusion_model::cpu_allocator::tune_for_tensors();
    let data = training_split(config, load_dataset(config)?)?;
    let seed = config.seed;
    match &config.model {
        ModelConfig::Unet { .. } => {
            let unet = config.model.unet()?.expect("a U-Net config");
            run_with::<B, UNet2DModel<B>, 4>(config, data, options, device, |d| {
                UNet2DModel::new(&unet, seed, d)
            })
        }
        ModelConfig::Mlp { config: mlp } => {
            run_with::<B, MlpDenoiser<B>, 2>(config, data, options, device, |d| {
                MlpDenoiser::new(mlp, seed, d)
            })
        }
    }
}

/// The class handling of a run: the null class for dropout and guidance, if conditional.
#[derive(Debug, Clone, Copy)]
struct Classes {
    data_classes: usize,
    null_class: usize,
}

fn check_classes(
    model_classes: Option<usize>,
    data: &Dataset,
    config: &TrainConfig,
) -> TrainResult<Option<Classes>> {
    match (model_classes, data.num_classes) {
        (None, _) => Ok(None),
        (Some(_), None) => Err(TrainError::Config(
            "the model is class-conditional (num_class_embeds) but the data has no labels; use \
             labelled data or remove num_class_embeds"
                .into(),
        )),
        (Some(n), Some(k)) => {
            let needed = k + usize::from(config.label_dropout > 0.0);
            if n < needed {
                return Err(TrainError::Config(format!(
                    "the data has {k} classes; the model needs at least {needed} class embeddings \
                     (the last one is the null class for label dropout), it has {n}"
                )));
            }
            Ok(Some(Classes {
                data_classes: k,
                null_class: n - 1,
            }))
        }
    }
}

struct Loaded<B: AutodiffBackend, M: AutodiffModule<B>> {
    model: M,
    ema: M::InnerModule,
    optimizer: AdamW<B::InnerBackend>,
    state: TrainState,
    checkpoint: Option<PathBuf>,
}

fn same_run(a: &TrainConfig, b: &TrainConfig) -> bool {
    let mut b = b.clone();
    b.steps = a.steps;
    *a == b
}

fn start_or_resume<B, M, const D: usize>(
    config: &TrainConfig,
    options: &RunOptions,
    device: &B::Device,
    build: impl FnOnce(&B::Device) -> ModelResult<M>,
) -> TrainResult<Loaded<B, M>>
where
    B: AutodiffBackend,
    M: AutodiffModule<B> + TrainableNetwork<B, D>,
    M::InnerModule: TrainableNetwork<B::InnerBackend, D>,
{
    let out = &options.output_dir;
    match (options.resume, latest_checkpoint(out)) {
        (true, Some(ckpt)) => {
            let state = read_state(&ckpt)?;
            if !same_run(config, &state.config) {
                return Err(TrainError::Checkpoint {
                    path: ckpt,
                    message: "was written by a run with a different config (only `steps` may \
                              change on resume); resume with the same config or use a new output \
                              directory"
                        .into(),
                });
            }
            let model = M::load_from(&ckpt.join(M::FOLDER), device)?;
            let ema = M::InnerModule::load_from(&ckpt.join(format!("{}_ema", M::FOLDER)), device)?;
            let lengths = flat_params(&ema)
                .into_iter()
                .map(|(k, t)| (k, t.dims()[0]))
                .collect();
            let named = read_safetensors(&ckpt.join(OPTIMIZER_FILE))?;
            let optimizer = AdamW::from_named(
                config.optimizer.clone(),
                state.optimizer_updates,
                named,
                &lengths,
                device,
            )
            .map_err(|message| TrainError::Checkpoint {
                path: ckpt.clone(),
                message,
            })?;
            Ok(Loaded {
                model,
                ema,
                optimizer,
                state,
                checkpoint: Some(ckpt),
            })
        }
        (false, Some(ckpt)) => Err(TrainError::Config(format!(
            "{} already holds checkpoint {}; pass --resume to continue that run, or choose \
             another output directory",
            out.display(),
            ckpt.display()
        ))),
        (_, None) => {
            let model = build(device)?;
            let ema = model.valid();
            Ok(Loaded {
                model,
                ema,
                optimizer: AdamW::new(config.optimizer.clone()),
                state: TrainState {
                    step: 0,
                    images_seen: 0,
                    optimizer_updates: 0,
                    seed: config.seed,
                    config: config.clone(),
                    history: Vec::new(),
                },
                checkpoint: None,
            })
        }
    }
}

/// A rank-D shape `[n, 1, …, 1]` for per-sample factors.
fn column_shape<const D: usize>(n: usize) -> [usize; D] {
    let mut s = [1usize; D];
    s[0] = n;
    s
}

/// The weighted loss of micro-batch `first..first + n`.
#[allow(clippy::too_many_arguments)]
fn batch_loss<B, M, const D: usize>(
    model: &M,
    batches: &mut Batches,
    objective: &Objective,
    config: &TrainConfig,
    classes: Option<Classes>,
    first: u64,
    n: usize,
    device: &B::Device,
) -> TrainResult<Tensor<B, 1>>
where
    B: AutodiffBackend + FusedKernels,
    M: TrainableNetwork<B, D>,
{
    let seed = config.seed;
    let (values, labels) = batches.batch(first, n);
    let draws = (0..n as u64)
        .map(|i| {
            objective.draw(
                order::uniform(seed, streams::TIME, first + i),
                order::uniform(seed, streams::TIME_PAIR, first + i),
            )
        })
        .collect::<TrainResult<Vec<_>>>()?;
    let mut shape = [0usize; D];
    shape[0] = n;
    shape[1..].copy_from_slice(&batches.data().item_shape);
    let x0 = Tensor::<B, D>::from_data(TensorData::new(values, shape), device);
    let params = NoisingParams {
        signal_scale: draws.iter().map(|d| d.input_x0 as f32).collect(),
        noise_std: draws.iter().map(|d| d.input_eps as f32).collect(),
        key: NoiseKey::new(seed, streams::NOISE),
        first_sample: first,
    };
    let noised = noise(x0.clone(), &params, NoisingTarget::Epsilon)?;
    let eps = noised.target.expect("the ε target was requested");
    let column = |f: &dyn Fn(&crate::objective::SampleDraw) -> f64| {
        let v: Vec<f32> = draws.iter().map(|d| f(d) as f32).collect();
        Tensor::<B, D>::from_data(TensorData::new(v, column_shape::<D>(n)), device)
    };
    let target = match (objective.prediction, objective.edm) {
        (Prediction::Epsilon, None) => eps,
        (Prediction::Sample, None) => x0,
        _ => x0 * column(&|d| d.target_x0) + eps * column(&|d| d.target_eps),
    };
    let times: Vec<f32> = draws.iter().map(|d| d.network_time as f32).collect();
    let times = Tensor::<B, 1>::from_data(TensorData::new(times, [n]), device);
    let labels = match (classes, labels) {
        (Some(c), Some(labels)) => {
            let ids: Vec<i64> = labels
                .iter()
                .enumerate()
                .map(|(i, &l)| {
                    let dropped = config.label_dropout > 0.0
                        && order::uniform(seed, streams::DROPOUT, first + i as u64)
                            < config.label_dropout;
                    if dropped {
                        c.null_class as i64
                    } else {
                        l as i64
                    }
                })
                .collect();
            Some(Tensor::<B, 1, Int>::from_data(
                TensorData::new(ids, [n]),
                device,
            ))
        }
        _ => None,
    };
    let out = model.run(noised.x_t, times, labels)?;
    let per_sample = (out - target)
        .powi_scalar(2)
        .reshape([n as i32, -1])
        .mean_dim(1);
    let uniform = draws.iter().all(|d| d.weight == 1.0);
    let loss = if uniform {
        per_sample.mean()
    } else {
        let w: Vec<f32> = draws.iter().map(|d| d.weight as f32).collect();
        (per_sample * Tensor::<B, 2>::from_data(TensorData::new(w, [n, 1]), device)).mean()
    };
    Ok(loss)
}

fn format_duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else {
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

#[allow(clippy::too_many_lines)]
fn run_with<B, M, const D: usize>(
    config: &TrainConfig,
    data: Dataset,
    options: &RunOptions,
    device: &B::Device,
    build: impl FnOnce(&B::Device) -> ModelResult<M>,
) -> TrainResult<TrainSummary>
where
    B: AutodiffBackend + FusedKernels,
    B::InnerBackend: FusedKernels,
    M: AutodiffModule<B> + TrainableNetwork<B, D>,
    M::InnerModule: TrainableNetwork<B::InnerBackend, D>,
{
    let objective = Objective::from_config(&config.objective)?;
    let out = options.output_dir.clone();
    fs::create_dir_all(&out).map_err(|e| TrainError::io(&out, e))?;
    let Loaded {
        mut model,
        mut ema,
        optimizer: mut adamw,
        mut state,
        checkpoint: mut last_checkpoint,
    } = start_or_resume::<B, M, D>(config, options, device, build)?;
    state.config.steps = config.steps;
    if let Some(problem) = model.item_shape_problem(&data.item_shape) {
        return Err(TrainError::Config(problem));
    }
    let classes = check_classes(model.class_count(), &data, config)?;
    let config_path = out.join("train_config.json");
    diffusion_model::weights::write_atomically(
        &config_path,
        &serde_json::to_vec_pretty(config).expect("config serialises"),
    )?;
    let metrics_path = out.join("metrics.csv");
    let mut metrics = MetricsLog::start(&metrics_path, &state.history)?;
    let loss_curve = out.join("loss.png");
    let samples_dir = out.join("samples");
    fs::create_dir_all(&samples_dir).map_err(|e| TrainError::io(&samples_dir, e))?;

    let mut batches = Batches::new(config, data);
    let preview_data: Vec<f32> = batches
        .data()
        .values
        .iter()
        .take(2 * 2000)
        .copied()
        .collect();
    let item_shape = batches.data().item_shape.clone();
    let micro = config.batch_size / config.gradient_accumulation;
    let first_step = state.step + 1;
    let mut losses = Vec::new();
    let mut train_seconds = 0.0;
    let mut last_preview = None;
    let log_every = (config.steps / 100).clamp(1, 50);
    let run_start = Instant::now();

    let save = |state: &TrainState,
                model: &M,
                ema: &M::InnerModule,
                adamw: &AdamW<B::InnerBackend>|
     -> TrainResult<PathBuf> {
        write_checkpoint(&out, state, config.keep_checkpoints, |dir| {
            model.save_to(&dir.join(M::FOLDER))?;
            ema.save_to(&dir.join(format!("{}_ema", M::FOLDER)))?;
            if let Some(scheduler) = &objective.scheduler {
                let sdir = dir.join("scheduler");
                fs::create_dir_all(&sdir).map_err(|e| TrainError::io(&sdir, e))?;
                let json = serde_json::to_vec_pretty(scheduler).expect("scheduler serialises");
                diffusion_model::weights::write_atomically(
                    &sdir.join("scheduler_config.json"),
                    &json,
                )?;
            }
            write_safetensors(&dir.join(OPTIMIZER_FILE), &adamw.to_named())?;
            Ok(())
        })
    };
    let preview = |ema: &M::InnerModule, step: u64| -> TrainResult<PathBuf> {
        let (n, rows, labels) = match (item_shape.len(), classes) {
            (3, Some(c)) => {
                let rows = c.data_classes.min(10);
                let per = config.preview.per_row.max(1);
                let labels: Vec<usize> = (0..rows * per).map(|i| i / per).collect();
                (rows * per, rows, Some((labels, c.null_class)))
            }
            (3, None) => {
                let per = config.preview.per_row.max(1);
                (per * per, per, None)
            }
            _ => (1000, 1, None),
        };
        let samples = draw_samples::<B::InnerBackend, M::InnerModule, D>(
            ema,
            &objective,
            &config.preview,
            &item_shape,
            labels.as_ref().map(|(l, null)| (&l[..], *null)),
            n,
            config.seed,
            device,
        )?;
        let path = samples_dir.join(format!("step-{step:06}.png"));
        write_preview(&path, &samples, &item_shape, rows, &preview_data)?;
        Ok(path)
    };

    for step in first_step..=config.steps {
        let started = Instant::now();
        let lr = learning_rate(&config.optimizer, step, config.steps);
        let mut accumulator = GradientsAccumulator::<M>::new();
        let mut loss_value = 0.0;
        for part in 0..config.gradient_accumulation {
            let first = state.images_seen + (part * micro) as u64;
            let loss = batch_loss::<B, M, D>(
                &model,
                &mut batches,
                &objective,
                config,
                classes,
                first,
                micro,
                device,
            )?;
            let value: f64 = loss.clone().into_scalar().elem();
            if !value.is_finite() {
                return Err(non_finite(step, value, &last_checkpoint));
            }
            loss_value += value / config.gradient_accumulation as f64;
            let loss = if config.gradient_accumulation > 1 {
                loss.div_scalar(config.gradient_accumulation as f64)
            } else {
                loss
            };
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            accumulator.accumulate(&model, grads);
        }
        let grads = accumulator.grads();
        let grad_norm = gradient_norm(&model, &grads);
        if !grad_norm.is_finite() {
            return Err(non_finite(step, grad_norm, &last_checkpoint));
        }
        let scale = config
            .optimizer
            .grad_clip
            .map(|c| (c / (grad_norm + 1e-6)).min(1.0))
            .unwrap_or(1.0);
        model = adamw.step::<B, M>(model, grads, lr, scale);
        ema = ema_update(ema, &model.valid(), ema_decay(&config.ema, step - 1));
        let seconds = started.elapsed().as_secs_f64();
        train_seconds += seconds;
        state.step = step;
        state.images_seen += config.batch_size as u64;
        state.optimizer_updates = adamw.updates;
        let row = MetricsRow {
            step,
            loss: loss_value,
            lr,
            grad_norm,
            images_per_second: config.batch_size as f64 / seconds,
        };
        metrics.append(&row)?;
        state.history.push(row);
        losses.push(loss_value);
        if options.progress && (step % log_every == 0 || step == config.steps || step == first_step)
        {
            let done = (step - first_step + 1) as f64;
            let per_step = train_seconds / done;
            let eta = per_step * (config.steps - step) as f64;
            println!(
                "step {step:>6}/{} | loss {loss_value:.4} | lr {lr:.2e} | {:.1} img/s | elapsed {} | ETA {}",
                config.steps,
                config.batch_size as f64 / per_step,
                format_duration(run_start.elapsed().as_secs_f64()),
                format_duration(eta)
            );
        }
        let stopping = options.stop_after == Some(step);
        if step % config.checkpoint_every == 0 || step == config.steps || stopping {
            last_checkpoint = Some(save(&state, &model, &ema, &adamw)?);
            let points: Vec<(u64, f64)> = state.history.iter().map(|r| (r.step, r.loss)).collect();
            write_loss_curve(&loss_curve, &points)?;
        }
        let preview_due = config.preview.every > 0 && step % config.preview.every == 0;
        if preview_due || step == config.steps {
            let path = preview(&ema, step)?;
            if options.progress {
                println!("samples from the EMA model: {}", path.display());
            }
            last_preview = Some(path);
        }
        if stopping {
            break;
        }
    }
    let run = losses.len() as f64;
    Ok(TrainSummary {
        first_step,
        last_step: state.step,
        losses,
        last_checkpoint,
        last_preview,
        metrics: metrics_path,
        loss_curve,
        images_per_second: if train_seconds > 0.0 {
            run * config.batch_size as f64 / train_seconds
        } else {
            0.0
        },
    })
}

fn non_finite(step: u64, loss: f64, last: &Option<PathBuf>) -> TrainError {
    TrainError::NonFiniteLoss {
        step,
        loss,
        last_checkpoint: last
            .as_deref()
            .map(Path::display)
            .map(|d| d.to_string())
            .unwrap_or_else(|| "none yet (nothing to resume; start again)".into()),
    }
}
