//! [`TrainingLoop`]: one run's state between steps, with one method per thing a step does:
//! [`TrainingLoop::step`] (loss, gradients, clipping, AdamW, EMA, metrics),
//! [`TrainingLoop::checkpoint`] and [`TrainingLoop::preview`]; [`TrainingLoop::run`] strings them
//! together until the last step.
//!
//! A checkpoint is only written of weights known to be good: the one due after step N is written
//! during step N + 1, once the loss of those weights on the next batch has come out finite (and
//! before they are updated); after the last step, that loss is computed for the purpose. Its
//! parameters must be finite too. So a run that diverges stops naming a checkpoint it can resume
//! from, with a lower learning rate if need be (see [`crate::config_changes`]).

use std::fs;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::time::Instant;

use burn::module::AutodiffModule;
use burn::optim::{GradientsAccumulator, GradientsParams};
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::ElementConversion;
use diffusion_data::files::{write_atomically, FolderLock};
use diffusion_kernels::FusedKernels;
use diffusion_model::weights::{first_non_finite, named_tensors, write_safetensors};
use diffusion_model::Network;

use crate::checkpoint::{
    clean_leftovers, write_checkpoint, MetricsRow, TrainState, OPTIMIZER_FILE,
};
use crate::classes::{check_classes, Classes};
use crate::config::TrainConfig;
use crate::data::Batches;
use crate::ema::{ema_decay, ema_update};
use crate::error::{TrainError, TrainResult};
use crate::metrics::MetricsLog;
use crate::objective::Objective;
use crate::optimizer::{gradient_norm, learning_rate, AdamW};
use crate::preview::{draw_samples, write_preview};
use crate::resume::{network_folders, start_or_resume};
use crate::run::{RunOptions, TrainSummary};
use diffusion_data::images::write_loss_curve;

/// The network being trained and its moving average, handed from step to step (the optimiser
/// consumes and returns the network, so it is moved rather than borrowed).
pub struct Networks<B: AutodiffBackend, M: AutodiffModule<B>> {
    /// The trained network.
    pub model: M,
    /// Its exponential moving average (what previews and checkpoints sample from).
    pub ema: M::InnerModule,
}

/// A training run between steps: the objective, the data order, the optimiser, the run's
/// state and where its files go. `D` is the rank of the network's input batch.
pub struct TrainingLoop<'a, B: AutodiffBackend, M: AutodiffModule<B>, const D: usize> {
    pub(crate) config: &'a TrainConfig,
    options: &'a RunOptions,
    pub(crate) device: &'a B::Device,
    pub(crate) objective: Objective,
    pub(crate) batches: Batches,
    pub(crate) classes: Option<Classes>,
    adamw: AdamW<B::InnerBackend>,
    state: TrainState,
    metrics: MetricsLog,
    paths: RunPaths,
    /// Up to 2000 data points, drawn beside 2-D samples in previews.
    preview_data: Vec<f32>,
    last_checkpoint: Option<PathBuf>,
    last_preview: Option<PathBuf>,
    first_step: u64,
    losses: Vec<f64>,
    train_seconds: f64,
    started: Instant,
    /// A checkpoint of the current weights is due, waiting for their loss to come out finite.
    checkpoint_due: bool,
    /// The run's claim on its output folder, held until the run ends.
    _lock: FolderLock,
    network: PhantomData<M>,
}

/// The files a run writes, under its output folder.
struct RunPaths {
    out: PathBuf,
    metrics: PathBuf,
    loss_curve: PathBuf,
    samples: PathBuf,
}

impl<'a, B, M, const D: usize> TrainingLoop<'a, B, M, D>
where
    B: AutodiffBackend + FusedKernels,
    B::InnerBackend: FusedKernels,
    M: AutodiffModule<B> + Network<B, D>,
    M::InnerModule: Network<B::InnerBackend, D, Config = M::Config>,
{
    /// Starts (or, with `options.resume`, resumes) the run of `config` with network `network`
    /// on `batches`: checks the data against the network, writes train_config.json and opens
    /// metrics.csv.
    pub fn start(
        config: &'a TrainConfig,
        network: &M::Config,
        objective: Objective,
        batches: Batches,
        options: &'a RunOptions,
        device: &'a B::Device,
    ) -> TrainResult<(Self, Networks<B, M>)> {
        let out = options.output_dir.clone();
        fs::create_dir_all(&out).map_err(|e| TrainError::io(&out, e))?;
        let lock = FolderLock::acquire(&out)?;
        clean_leftovers(&out)?;
        let start = start_or_resume::<B, M, D>(config, network, options, device)?;
        let mut state = start.state;
        state.config.steps = config.steps;
        if let Some(problem) = start.model.item_shape_problem(&batches.data().item_shape) {
            return Err(TrainError::Config(problem));
        }
        let classes = check_classes(start.model.class_count(), batches.data(), config)?;
        write_atomically(
            &out.join("train_config.json"),
            &serde_json::to_vec_pretty(config).expect("config serialises"),
        )?;
        let paths = RunPaths {
            metrics: out.join("metrics.csv"),
            loss_curve: out.join("loss.png"),
            samples: out.join("samples"),
            out,
        };
        let metrics = MetricsLog::start(&paths.metrics, &state.history)?;
        fs::create_dir_all(&paths.samples).map_err(|e| TrainError::io(&paths.samples, e))?;
        let preview_data = batches
            .data()
            .values
            .iter()
            .take(2 * 2000)
            .copied()
            .collect();
        let run = Self {
            config,
            options,
            device,
            objective,
            batches,
            classes,
            adamw: start.optimizer,
            first_step: state.step + 1,
            state,
            metrics,
            paths,
            preview_data,
            last_checkpoint: start.checkpoint,
            last_preview: None,
            losses: Vec::new(),
            train_seconds: 0.0,
            started: Instant::now(),
            checkpoint_due: false,
            _lock: lock,
            network: PhantomData,
        };
        let networks = Networks {
            model: start.model,
            ema: start.ema,
        };
        Ok((run, networks))
    }

    /// Runs every remaining step, with checkpoints and previews when they are due, and returns
    /// what the run did.
    pub fn run(mut self, mut networks: Networks<B, M>) -> TrainResult<TrainSummary> {
        for step in self.first_step..=self.config.steps {
            networks = self.step(networks, step)?;
            let stopping = self.options.stop_after == Some(step);
            let last = step == self.config.steps;
            if step.is_multiple_of(self.config.checkpoint_every) || last || stopping {
                self.checkpoint_due = true;
            }
            if last || stopping {
                // No next step will test these weights: test them now, then write them.
                self.check_next_loss(&networks.model, step)?;
                self.checkpoint(&networks)?;
            }
            let every = self.config.preview.every;
            if (every > 0 && step.is_multiple_of(every)) || last {
                self.preview(&networks.ema, step)?;
            }
            if stopping {
                break;
            }
        }
        Ok(self.summary())
    }

    /// One optimiser step (number `step`, 1-based): the batch's loss and gradients over the
    /// micro-batches, the checkpoint due from the step before (now that its weights gave a
    /// finite loss), clipping, AdamW, the EMA update, and a metrics row. A non-finite loss or
    /// gradient stops the run before the update, naming the newest checkpoint.
    pub fn step(&mut self, networks: Networks<B, M>, step: u64) -> TrainResult<Networks<B, M>> {
        let started = Instant::now();
        let config = self.config;
        let lr = learning_rate(&config.optimizer, step, config.steps);
        let (loss, grads) = self.gradients(&networks.model, step)?;
        let grad_norm = gradient_norm(&networks.model, &grads);
        if !grad_norm.is_finite() {
            return Err(self.non_finite(step, format!("the gradient norm is {grad_norm}")));
        }
        if self.checkpoint_due {
            self.checkpoint(&networks)?;
        }
        let scale = config
            .optimizer
            .grad_clip
            .map(|c| (c / (grad_norm + 1e-6)).min(1.0))
            .unwrap_or(1.0);
        let model = self.adamw.step::<B, M>(networks.model, grads, lr, scale);
        let decay = ema_decay(&config.ema, step - 1);
        let ema = ema_update(networks.ema, &model.valid(), decay);
        let seconds = started.elapsed().as_secs_f64();
        self.train_seconds += seconds;
        self.state.step = step;
        self.state.images_seen += config.batch_size as u64;
        self.state.optimizer_updates = self.adamw.updates;
        let row = MetricsRow {
            step,
            loss,
            lr,
            grad_norm,
            images_per_second: config.batch_size as f64 / seconds,
        };
        self.metrics.append(&row)?;
        self.state.history.push(row);
        self.losses.push(loss);
        self.report_progress(step, loss, lr);
        Ok(Networks { model, ema })
    }

    /// The step's mean loss and its gradients, accumulated over the micro-batches.
    fn gradients(&mut self, model: &M, step: u64) -> TrainResult<(f64, GradientsParams)> {
        let parts = self.config.gradient_accumulation;
        let micro = self.config.batch_size / parts;
        let mut accumulator = GradientsAccumulator::<M>::new();
        let mut loss_value = 0.0;
        for part in 0..parts {
            let first = self.state.images_seen + (part * micro) as u64;
            let loss = self.batch_loss(model, first, micro)?;
            let value: f64 = loss.clone().into_scalar().elem();
            if !value.is_finite() {
                return Err(self.non_finite(step, format!("the loss is {value}")));
            }
            loss_value += value / parts as f64;
            let loss = if parts > 1 {
                loss.div_scalar(parts as f64)
            } else {
                loss
            };
            let grads = GradientsParams::from_grads(loss.backward(), model);
            accumulator.accumulate(model, grads);
        }
        Ok((loss_value, accumulator.grads()))
    }

    /// The loss of `model` on the batch the next step would train on, computed without a
    /// backward pass: an error naming the newest checkpoint when it is not finite.
    fn check_next_loss(&mut self, model: &M, step: u64) -> TrainResult<()> {
        let micro = self.config.batch_size / self.config.gradient_accumulation;
        let loss = self.batch_loss(model, self.state.images_seen, micro)?;
        let value: f64 = loss.into_scalar().elem();
        if value.is_finite() {
            Ok(())
        } else {
            Err(self.non_finite(step + 1, format!("the loss is {value}")))
        }
    }

    /// Writes a checkpoint of the current step (network, EMA network, scheduler config,
    /// optimiser state, train_state.json) and redraws loss.png; refuses weights that are not
    /// all finite.
    pub fn checkpoint(&mut self, networks: &Networks<B, M>) -> TrainResult<()> {
        self.checkpoint_due = false;
        let found = first_non_finite(&named_tensors(&networks.model))
            .or_else(|| first_non_finite(&named_tensors(&networks.ema)));
        if let Some(found) = found {
            return Err(self.non_finite(self.state.step, found.to_string()));
        }
        let objective = &self.objective;
        let adamw = &self.adamw;
        let path = write_checkpoint(
            &self.paths.out,
            &self.state,
            self.config.keep_checkpoints,
            |dir| {
                let (live, averaged) = network_folders::<M::Config>(dir);
                networks.model.save_to(&live)?;
                networks.ema.save_to(&averaged)?;
                if let Some(scheduler) = &objective.scheduler {
                    let sdir = dir.join("scheduler");
                    fs::create_dir_all(&sdir).map_err(|e| TrainError::io(&sdir, e))?;
                    let json = serde_json::to_vec_pretty(scheduler).expect("scheduler serialises");
                    write_atomically(&sdir.join("scheduler_config.json"), &json)?;
                }
                write_safetensors(&dir.join(OPTIMIZER_FILE), &adamw.to_named())?;
                Ok(())
            },
        )?;
        self.last_checkpoint = Some(path);
        let points: Vec<(u64, f64)> = self
            .state
            .history
            .iter()
            .map(|r| (r.step, r.loss))
            .collect();
        Ok(write_loss_curve(&self.paths.loss_curve, &points)?)
    }

    /// Draws preview samples from the EMA network into `samples/step-NNNNNN.png`: a row per
    /// class for class-conditional image models, a square grid for unconditional ones, a
    /// scatter over the data for points.
    pub fn preview(&mut self, ema: &M::InnerModule, step: u64) -> TrainResult<()> {
        let config = self.config;
        let item_shape = self.batches.data().item_shape.clone();
        let per = config.preview.per_row.max(1);
        let (n, rows, labels) = match (item_shape.len(), self.classes) {
            (3, Some(c)) => {
                let rows = c.data_classes.min(10);
                let labels: Vec<usize> = (0..rows * per).map(|i| i / per).collect();
                (rows * per, rows, Some((labels, c.null_class)))
            }
            (3, None) => (per * per, per, None),
            _ => (1000, 1, None),
        };
        let samples = draw_samples::<B::InnerBackend, M::InnerModule, D>(
            ema,
            &self.objective,
            &config.preview,
            &item_shape,
            labels.as_ref().map(|(l, null)| (&l[..], *null)),
            n,
            config.seed,
            self.device,
        )?;
        let path = self.paths.samples.join(format!("step-{step:06}.png"));
        write_preview(&path, &samples, &item_shape, rows, &self.preview_data)?;
        if self.options.progress {
            println!("samples from the EMA model: {}", path.display());
        }
        self.last_preview = Some(path);
        Ok(())
    }

    /// A progress line every so often (about 100 per run, at most every 50 steps).
    fn report_progress(&self, step: u64, loss: f64, lr: f64) {
        let steps = self.config.steps;
        let log_every = (steps / 100).clamp(1, 50);
        let due = step.is_multiple_of(log_every) || step == steps || step == self.first_step;
        if !(self.options.progress && due) {
            return;
        }
        let done = (step - self.first_step + 1) as f64;
        let per_step = self.train_seconds / done;
        let eta = per_step * (steps - step) as f64;
        println!(
            "step {step:>6}/{steps} | loss {loss:.4} | lr {lr:.2e} | {:.1} img/s | elapsed {} | ETA {}",
            self.config.batch_size as f64 / per_step,
            format_duration(self.started.elapsed().as_secs_f64()),
            format_duration(eta)
        );
    }

    /// The error of a non-finite loss, gradient norm or weights (`what`) at `step`.
    fn non_finite(&self, step: u64, what: String) -> TrainError {
        TrainError::NonFinite {
            step,
            what,
            last_checkpoint: self.resume_point(),
        }
    }

    /// The newest checkpoint written (each was tested finite), for error messages.
    fn resume_point(&self) -> String {
        self.last_checkpoint
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "none yet (nothing to resume; start again)".into())
    }

    /// What the run did, for [`crate::train`]'s caller.
    fn summary(self) -> TrainSummary {
        let run = self.losses.len() as f64;
        TrainSummary {
            first_step: self.first_step,
            last_step: self.state.step,
            losses: self.losses,
            last_checkpoint: self.last_checkpoint,
            last_preview: self.last_preview,
            metrics: self.paths.metrics,
            loss_curve: self.paths.loss_curve,
            images_per_second: if self.train_seconds > 0.0 {
                run * self.config.batch_size as f64 / self.train_seconds
            } else {
                0.0
            },
        }
    }
}

/// `1h05m` or `3m20s`.
fn format_duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else {
        format!("{}m{:02}s", s / 60, s % 60)
    }
}
