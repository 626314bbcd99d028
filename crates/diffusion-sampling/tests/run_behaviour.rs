//! The executor's promises: batch- and backend-independent images, guidance in one batched
//! pass, image-to-image and inpainting, and clear errors.

mod common;

use std::cell::Cell;

use burn::backend::Wgpu;
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use common::{ddpm_process, Cpu, StandIn};
use diffusion_math::{ForwardProcess, GaussianMixture, Prediction, VpLinear};
use diffusion_model::{MlpConfig, MlpDenoiser, Network};
use diffusion_sampling::grid::TimeSpacing;
use diffusion_sampling::img2img::{inpaint, sdedit};
use diffusion_sampling::run::to_host;
use diffusion_sampling::samplers::DpmSolverPp2m;
use diffusion_sampling::{
    Denoiser, Guided, MixtureDenoiser, NetworkDenoiser, NoiseIdentity, PlanOptions, Run, Sampler,
    SamplingResult,
};

fn stand_in() -> StandIn {
    StandIn {
        process: ddpm_process(),
        prediction: Prediction::Epsilon,
    }
}

fn plan(name: &str, steps: usize) -> diffusion_sampling::SamplingPlan {
    let sampler = Sampler::parse(name, 0.5).unwrap();
    sampler
        .plan(
            &ddpm_process(),
            steps,
            &PlanOptions::new(sampler.diffusers_default_spacing()),
        )
        .unwrap()
}

fn sample<B: diffusion_kernels::FusedKernels>(
    name: &str,
    rows: usize,
    first_sample: u64,
    device: &B::Device,
) -> Vec<f32>
where
    StandIn: Denoiser<B, 4>,
{
    let plan = plan(name, 8);
    let noise = NoiseIdentity {
        seed: 11,
        first_sample,
    };
    to_host(
        Run::<B, _, 4>::new(&plan, &stand_in(), None, noise)
            .sample([rows, 1, 6, 6], device)
            .unwrap(),
    )
}

#[test]
fn an_image_does_not_depend_on_its_batch() {
    let device = Default::default();
    for name in ["ddpm", "ddim", "euler-ancestral", "dpmpp-2m-sde", "pc"] {
        let whole = sample::<Cpu>(name, 6, 0, &device);
        let mut parts = sample::<Cpu>(name, 2, 0, &device);
        parts.extend(sample::<Cpu>(name, 4, 2, &device));
        assert_eq!(whole, parts, "{name}");
    }
}

#[test]
fn wgpu_and_flex_draw_the_same_images() {
    let cpu = sample::<Cpu>("euler-ancestral", 3, 5, &Default::default());
    let gpu = sample::<Wgpu>("euler-ancestral", 3, 5, &Default::default());
    let worst = cpu
        .iter()
        .zip(&gpu)
        .map(|(a, b)| (a - b).abs() / a.abs().max(1.0))
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-4, "flex vs wgpu: {worst}");
}

fn mlp() -> NetworkDenoiser<MlpDenoiser<Cpu>, VpLinear> {
    let config = MlpConfig {
        data_dim: 2,
        hidden_dim: 32,
        blocks: 2,
        time_features: 16,
        time_scale: 1000.0,
        num_classes: Some(4),
    };
    let net = MlpDenoiser::build(&config, 3, &Default::default()).unwrap();
    NetworkDenoiser::new(net, VpLinear::song_default(), Prediction::Epsilon)
}

fn points() -> Tensor<Cpu, 2> {
    Tensor::from_data(
        TensorData::new(vec![0.1f32, -0.4, 1.2, 0.3, -0.7, 0.9], [3, 2]),
        &Default::default(),
    )
}

#[test]
fn guidance_interpolates_conditional_and_null_outputs() {
    let model = mlp();
    let labels = [0usize, 2, 1];
    let null = [3usize; 3];
    let cond = to_host(model.predict(points(), 0.4, Some(&labels)).unwrap());
    let uncond = to_host(model.predict(points(), 0.4, Some(&null)).unwrap());
    let guided = Guided::new(&model, 2.5, 3).unwrap();
    let got = to_host(guided.predict(points(), 0.4, Some(&labels)).unwrap());
    for i in 0..got.len() {
        let want = uncond[i] + 2.5 * (cond[i] - uncond[i]);
        assert!((got[i] - want).abs() < 1e-5, "{} vs {want}", got[i]);
    }
    let plain = Guided::new(&model, 1.0, 3).unwrap();
    assert_eq!(
        to_host(plain.predict(points(), 0.4, Some(&labels)).unwrap()),
        cond
    );
    assert!(Guided::new(&model, -1.0, 3).is_err());
    let err = guided.predict(points(), 0.4, None).unwrap_err().to_string();
    assert!(err.contains("needs class labels"), "{err}");
    let err = model
        .predict(points(), 0.4, Some(&[0, 9, 1]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("label 9 is out of range"), "{err}");
}

/// Counts forward passes and the rows they carry.
struct Counting<'a, M> {
    inner: M,
    calls: &'a Cell<usize>,
    rows: &'a Cell<usize>,
}

impl<B: Backend, M: Denoiser<B, 2>> Denoiser<B, 2> for Counting<'_, M> {
    fn process(&self) -> &dyn ForwardProcess {
        self.inner.process()
    }
    fn prediction(&self) -> Prediction {
        self.inner.prediction()
    }
    fn predict(
        &self,
        x: Tensor<B, 2>,
        t: f64,
        labels: Option<&[usize]>,
    ) -> SamplingResult<Tensor<B, 2>> {
        self.calls.set(self.calls.get() + 1);
        self.rows.set(self.rows.get() + x.dims()[0]);
        self.inner.predict(x, t, labels)
    }
}

#[test]
fn guided_sampling_makes_one_batched_pass_per_step() {
    let (calls, rows) = (Cell::new(0), Cell::new(0));
    let counting = Counting {
        inner: mlp(),
        calls: &calls,
        rows: &rows,
    };
    let guided = Guided::new(counting, 3.0, 3).unwrap();
    let plan = Sampler::parse("ddim", 0.0)
        .unwrap()
        .plan(
            &VpLinear::song_default(),
            7,
            &PlanOptions::new(TimeSpacing::Uniform),
        )
        .unwrap();
    let labels = [0usize, 1, 2, 1, 0];
    let noise = NoiseIdentity {
        seed: 1,
        first_sample: 0,
    };
    let out = Run::<Cpu, _, 2>::new(&plan, &guided, Some(&labels), noise)
        .sample([5, 2], &Default::default())
        .unwrap();
    assert_eq!(calls.get(), 7);
    assert_eq!(rows.get(), 7 * 10);
    assert!(to_host(out).iter().all(|v| v.is_finite()));
    let err = Run::<Cpu, _, 2>::new(&plan, &guided, Some(&labels[..2]), noise)
        .sample([5, 2], &Default::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("got 2 labels for a batch of 5"), "{err}");
}

fn two_blobs() -> MixtureDenoiser<VpLinear> {
    let mixture = GaussianMixture::isotropic(
        &[0.5, 0.5],
        &[vec![-1.0, -1.0], vec![1.0, 1.0]],
        &[0.05, 0.05],
    )
    .unwrap();
    MixtureDenoiser::new(mixture, VpLinear::song_default())
}

#[test]
fn sdedit_keeps_the_guide_at_low_strength_and_forgets_it_at_full_strength() {
    let model = two_blobs();
    let plan = Sampler::parse("ddim", 0.0)
        .unwrap()
        .plan(&model.process, 20, &PlanOptions::new(TimeSpacing::Uniform))
        .unwrap();
    let n = 200;
    let guide = || {
        Tensor::<Cpu, 2>::from_data(
            TensorData::new(vec![0.9f32; n * 2], [n, 2]),
            &Default::default(),
        )
    };
    let noise = NoiseIdentity {
        seed: 3,
        first_sample: 0,
    };
    let low = to_host(sdedit(Run::new(&plan, &model, None, noise), guide(), 0.1).unwrap());
    // Near the guide, every sample lands in the (1, 1) blob.
    assert!(
        low.iter().all(|&v| (v - 1.0).abs() < 0.3),
        "{:?}",
        &low[..6]
    );
    let full = to_host(sdedit(Run::new(&plan, &model, None, noise), guide(), 1.0).unwrap());
    let in_far_blob = full.chunks(2).filter(|p| p[0] < 0.0).count();
    assert!(
        in_far_blob > n / 4,
        "full strength should reach both blobs: {in_far_blob}/{n}"
    );
    for bad in [0.0, 1.5, f64::NAN] {
        assert!(sdedit(Run::new(&plan, &model, None, noise), guide(), bad).is_err());
    }
    // Multistep solvers start img2img with their first-order step.
    let dpm = Sampler::DpmSolverPp2m(DpmSolverPp2m)
        .plan(
            &model.process,
            20,
            &PlanOptions::new(TimeSpacing::LogSnrUniform),
        )
        .unwrap();
    let out = to_host(sdedit(Run::new(&dpm, &model, None, noise), guide(), 0.5).unwrap());
    assert!(out.iter().all(|v| v.is_finite()));
}

#[test]
fn inpainting_keeps_known_pixels_and_fills_the_rest_consistently() {
    // Known first coordinate at +1 (the (1, 1) blob): the filled coordinate must follow it.
    let model = two_blobs();
    let plan = Sampler::parse("ddpm", 0.0)
        .unwrap()
        .plan(&model.process, 50, &PlanOptions::new(TimeSpacing::Uniform))
        .unwrap();
    let n = 100;
    let device = Default::default();
    let known = Tensor::<Cpu, 2>::from_data(TensorData::new(vec![1.0f32; n * 2], [n, 2]), &device);
    let mask = Tensor::<Cpu, 2>::from_data(TensorData::new(vec![1.0f32, 0.0], [1, 2]), &device);
    let noise = NoiseIdentity {
        seed: 9,
        first_sample: 0,
    };
    let out = to_host(
        inpaint(
            Run::new(&plan, &model, None, noise),
            known.clone(),
            mask,
            1.0,
        )
        .unwrap(),
    );
    assert!(
        out.chunks(2).all(|p| p[0] == 1.0),
        "known pixels must be exact"
    );
    let filled_in_blob = out.chunks(2).filter(|p| (p[1] - 1.0).abs() < 0.3).count();
    assert!(
        filled_in_blob > n * 9 / 10,
        "{filled_in_blob}/{n} filled pixels follow the known one"
    );
    let bad_mask = Tensor::<Cpu, 2>::ones([n, 3], &device);
    assert!(inpaint(Run::new(&plan, &model, None, noise), known, bad_mask, 1.0).is_err());
}
