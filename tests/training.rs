//! End to end through the training crate: a small MLP trained on 2-D data samples near the
//! data; a run interrupted and resumed repeats the uninterrupted run's losses exactly; a
//! diverging run stops at the first non-finite loss naming a checkpoint with good weights, from
//! which a resume with a lower learning rate finishes; a second run into a held folder is refused.

use std::path::Path;

use burn::backend::{Autodiff, Flex};
use diffusion::data::ToyDistribution;
use diffusion::math::distance::sliced_wasserstein2;
use diffusion::math::ProcessName;
use diffusion::model::MlpDenoiser;
use diffusion::model::Network;
use diffusion::model::NetworkConfig;
use diffusion::train::checkpoint::{latest_checkpoint, list_checkpoints, read_state};
use diffusion::train::config::{LrSchedule, PredictionName, PreviewConfig};
use diffusion::train::objective::Objective;
use diffusion::train::preview::draw_samples;
use diffusion::train::{train, RunOptions, TrainConfig, TrainError};

type Trainer = Autodiff<Flex>;

fn quiet(dir: &Path) -> RunOptions {
    let mut o = RunOptions::new(dir);
    o.progress = false;
    o
}

fn points(flat: &[f32]) -> Vec<Vec<f64>> {
    flat.chunks(2)
        .map(|p| vec![p[0] as f64, p[1] as f64])
        .collect()
}

/// The toy config with another objective; `time_scale` maps its network time onto the MLP's
/// sinusoidal features (built for times in the hundreds, like timesteps).
fn with_objective(
    process: ProcessName,
    prediction: PredictionName,
    time_scale: f64,
) -> TrainConfig {
    let mut config = TrainConfig::toy("gaussian-mixture");
    config.steps = 1500;
    config.checkpoint_every = 1500;
    config.objective.process = process;
    config.objective.prediction = prediction;
    config.objective.sigma_data = 1.0;
    if let NetworkConfig::Mlp(mlp) = &mut config.model {
        mlp.time_scale = time_scale;
    }
    config
}

#[test]
fn trained_mlps_sample_near_the_data_and_far_from_the_prior() {
    let n = 1000;
    // Fresh data (another seed) and the prior N(0, I) as the two yardsticks.
    let data = ToyDistribution::GaussianMixture.dataset(n, 12345).unwrap();
    let mut prior = vec![0.0f32; 2 * n];
    diffusion::kernels::philox::fill_normals(
        diffusion::kernels::NoiseKey::new(7, 0),
        0,
        &mut prior,
    );
    let prior_to_data = sliced_wasserstein2(&points(&prior), &points(&data.values), 64, 1).unwrap();
    let data_to_data = {
        let other = ToyDistribution::GaussianMixture.dataset(n, 777).unwrap();
        sliced_wasserstein2(&points(&other.values), &points(&data.values), 64, 1).unwrap()
    };
    for (process, prediction, time_scale, sampler) in [
        (ProcessName::Ddpm, PredictionName::Epsilon, 1.0, "ddim"),
        (
            ProcessName::Flow,
            PredictionName::Velocity,
            1000.0,
            "flow-euler",
        ),
        (ProcessName::Edm, PredictionName::Edm, 250.0, "heun"),
    ] {
        let config = with_objective(process, prediction, time_scale);
        let dir = tempfile::tempdir().unwrap();
        let summary = train::<Trainer>(&config, &quiet(dir.path()), &Default::default()).unwrap();
        assert_eq!(summary.last_step, 1500);
        let first: f64 = summary.losses[..50].iter().sum::<f64>() / 50.0;
        let last: f64 = summary.losses[1450..].iter().sum::<f64>() / 50.0;
        assert!(
            last < 0.8 * first,
            "{prediction:?}: loss fell from {first} to {last} only"
        );

        let ckpt = summary.last_checkpoint.unwrap();
        let ema =
            MlpDenoiser::<Flex>::load_from(&ckpt.join("mlp_ema"), &Default::default()).unwrap();
        let objective = Objective::from_config(&config.objective).unwrap();
        let preview = PreviewConfig {
            sampler: sampler.parse().unwrap(),
            steps: 100,
            ..PreviewConfig::default()
        };
        let samples = draw_samples::<Flex, MlpDenoiser<Flex>, 2>(
            &ema,
            &objective,
            &preview,
            &[2],
            None,
            n,
            99,
            &Default::default(),
        )
        .unwrap();
        let to_data = sliced_wasserstein2(&points(&samples), &points(&data.values), 64, 1).unwrap();
        eprintln!(
            "{process}/{prediction:?}: SW2 samples {to_data:.4}, prior {prior_to_data:.4}, data vs data {data_to_data:.4}"
        );
        // With 1000 points the estimate has a floor: two independent data sets are
        // `data_to_data` apart. The samples must sit near that floor and far below the prior.
        assert!(
            to_data < 1.5 * data_to_data && to_data < 0.5 * prior_to_data,
            "{prediction:?}: samples are {to_data} from the data; the prior {prior_to_data}, fresh data {data_to_data}"
        );
    }
}

#[test]
fn an_interrupted_and_resumed_run_repeats_the_uninterrupted_losses() {
    let mut config = TrainConfig::toy("two-moons");
    config.steps = 40;
    config.checkpoint_every = 10;
    config.gradient_accumulation = 2;
    let straight_dir = tempfile::tempdir().unwrap();
    let straight =
        train::<Trainer>(&config, &quiet(straight_dir.path()), &Default::default()).unwrap();

    let split_dir = tempfile::tempdir().unwrap();
    let mut options = quiet(split_dir.path());
    options.stop_after = Some(17);
    let part1 = train::<Trainer>(&config, &options, &Default::default()).unwrap();
    assert_eq!(part1.last_step, 17);
    // Starting again without --resume refuses to overwrite the run.
    options.stop_after = None;
    let refused = train::<Trainer>(&config, &options, &Default::default()).unwrap_err();
    assert!(refused.to_string().contains("--resume"), "{refused}");
    options.resume = true;
    let part2 = train::<Trainer>(&config, &options, &Default::default()).unwrap();
    assert_eq!(part2.first_step, 18);

    let mut resumed = part1.losses.clone();
    resumed.extend(&part2.losses);
    assert_eq!(
        resumed, straight.losses,
        "the loss sequence must not change"
    );
    // The metrics file holds each step once, in order.
    let rows = diffusion::train::metrics::read_metrics(&part2.metrics).unwrap();
    assert_eq!(
        rows.iter().map(|r| r.step).collect::<Vec<_>>(),
        (1..=40).collect::<Vec<_>>()
    );
    // The final EMA weights agree bit for bit.
    let read = |dir: &Path| {
        let ckpt = latest_checkpoint(dir).unwrap();
        std::fs::read(ckpt.join("mlp_ema/diffusion_pytorch_model.safetensors")).unwrap()
    };
    assert_eq!(read(straight_dir.path()), read(split_dir.path()));
    assert_eq!(
        list_checkpoints(split_dir.path()).len(),
        config.keep_checkpoints
    );
}

/// The toy config at a constant learning rate `lr` with no clipping, a checkpoint every step.
fn diverging(lr: f64) -> TrainConfig {
    let mut config = TrainConfig::toy("two-moons");
    config.steps = 200;
    config.checkpoint_every = 1;
    config.optimizer.learning_rate = lr;
    config.optimizer.schedule = LrSchedule::Constant;
    config.optimizer.warmup_steps = 0;
    config.optimizer.grad_clip = None;
    config
}

#[test]
fn a_diverging_run_stops_naming_a_good_checkpoint_and_resumes_with_a_lower_learning_rate() {
    let dir = tempfile::tempdir().unwrap();
    // Adam moves every weight by about the learning rate per step: at this rate the outputs
    // overflow f32 after a few steps.
    let config = diverging(3.0);
    let err = train::<Trainer>(&config, &quiet(dir.path()), &Default::default()).unwrap_err();
    let TrainError::NonFinite { step, .. } = err else {
        panic!("expected a non-finite loss error, got {err}");
    };
    let message = err.to_string();
    assert!(message.contains(&format!("step {step}")), "{message}");
    let ckpt = latest_checkpoint(dir.path()).expect("a checkpoint before the divergence");
    assert!(message.contains(&ckpt.display().to_string()), "{message}");
    let state = read_state(&ckpt).unwrap();
    // Step `step` computed a non-finite loss from the weights of step − 1, so their checkpoint
    // was never written: the newest is of the weights that trained step − 1 finitely.
    assert!(step > 2, "diverged at {step}");
    assert_eq!(state.step, step - 2, "diverged at {step}");
    assert!(state.history.iter().all(|r| r.loss.is_finite()));
    MlpDenoiser::<Flex>::load_from(&ckpt.join("mlp"), &Default::default()).unwrap();
    MlpDenoiser::<Flex>::load_from(&ckpt.join("mlp_ema"), &Default::default()).unwrap();

    // What the message advises: resume with a lower learning rate (and clipping) finishes.
    let mut calmer = config.clone();
    calmer.optimizer.learning_rate = 1e-3;
    calmer.optimizer.grad_clip = Some(1.0);
    calmer.steps = state.step + 10;
    let mut options = quiet(dir.path());
    options.resume = true;
    let resumed = train::<Trainer>(&calmer, &options, &Default::default()).unwrap();
    assert_eq!(resumed.last_step, state.step + 10);
    assert!(resumed.losses.iter().all(|l| l.is_finite()));
    let changes = read_state(&latest_checkpoint(dir.path()).unwrap())
        .unwrap()
        .changes;
    let keys: Vec<&str> = changes.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(
        keys,
        ["optimizer.grad_clip", "optimizer.learning_rate", "steps"]
    );
    assert!(changes.iter().all(|c| c.step == state.step));
    // A change to the data or the network is still refused, naming the key.
    let mut other = calmer.clone();
    other.seed += 1;
    other.steps += 10;
    let refused = train::<Trainer>(&other, &options, &Default::default()).unwrap_err();
    assert!(refused.to_string().contains("`seed`"), "{refused}");
}

#[test]
fn weights_that_overflow_in_one_step_are_never_checkpointed() {
    // At 1e39 the first AdamW update sends every weight past f32's range.
    let dir = tempfile::tempdir().unwrap();
    let err =
        train::<Trainer>(&diverging(1e39), &quiet(dir.path()), &Default::default()).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("none yet"), "{message}");
    assert!(latest_checkpoint(dir.path()).is_none(), "{message}");
    // The same for the last step of a run, which no later step tests.
    let mut one_step = diverging(1e39);
    one_step.steps = 1;
    let dir = tempfile::tempdir().unwrap();
    let err = train::<Trainer>(&one_step, &quiet(dir.path()), &Default::default()).unwrap_err();
    assert!(err.to_string().contains("none yet"), "{err}");
    assert!(latest_checkpoint(dir.path()).is_none());
}

#[test]
fn two_runs_into_one_folder_are_refused_while_the_first_holds_it() {
    let dir = tempfile::tempdir().unwrap();
    let held = diffusion::data::files::FolderLock::acquire(dir.path()).unwrap();
    let mut config = TrainConfig::toy("two-moons");
    config.steps = 2;
    let err = train::<Trainer>(&config, &quiet(dir.path()), &Default::default()).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("in use by another run"), "{message}");
    assert!(
        message.contains(&std::process::id().to_string()),
        "{message}"
    );
    assert!(latest_checkpoint(dir.path()).is_none());
    drop(held);
    train::<Trainer>(&config, &quiet(dir.path()), &Default::default()).unwrap();
}

#[test]
fn training_on_wgpu_follows_the_same_losses_as_on_flex() {
    use burn::backend::wgpu::{Wgpu, WgpuDevice};
    let mut config = TrainConfig::toy("two-moons");
    config.steps = 4;
    config.preview.steps = 2;
    let flex_dir = tempfile::tempdir().unwrap();
    let flex = train::<Trainer>(&config, &quiet(flex_dir.path()), &Default::default()).unwrap();
    let wgpu_dir = tempfile::tempdir().unwrap();
    let wgpu =
        train::<Autodiff<Wgpu>>(&config, &quiet(wgpu_dir.path()), &WgpuDevice::default()).unwrap();
    // Same weights, data order, timesteps and noise (Philox in-kernel on wgpu, its CPU twin on
    // flex): the losses agree to float rounding.
    for (a, b) in flex.losses.iter().zip(&wgpu.losses) {
        assert!((a - b).abs() <= 1e-4 * a.abs(), "flex {a} vs wgpu {b}");
    }
    assert_eq!(flex.losses.len(), 4);
}
