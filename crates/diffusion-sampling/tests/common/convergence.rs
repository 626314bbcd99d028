//! The sampler-convergence study against the exact Gaussian-mixture score: each sampler's
//! samples at a given NFE compared with exact samples from p₀ by sliced Wasserstein-2.
//! Shared by tests/oracle_convergence.rs and examples/convergence_table.rs.
#![allow(dead_code)]

use burn::backend::Flex;
use diffusion_math::distance::sliced_wasserstein2;
use diffusion_math::rng::SplitMix64;
use diffusion_math::{GaussianMixture, VpLinear};
use diffusion_sampling::grid::TimeSpacing;
use diffusion_sampling::run::{from_host, to_host};
use diffusion_sampling::samplers::{
    Churn, Ddim, DpmSolverPp2m, DpmSolverPp2mSde, Euler, EulerAncestral, EulerMaruyama, FlowEuler,
    Heun, Predictor, PredictorCorrector,
};
use diffusion_sampling::{MixtureDenoiser, NoiseIdentity, PlanOptions, Run, Sampler};

/// One row of the table: a sampler on its customary grid.
pub struct Case {
    pub name: &'static str,
    pub sampler: Sampler,
    pub spacing: TimeSpacing,
    pub deterministic: bool,
}

/// The samplers of the study, each on the grid it is normally used with.
pub fn cases() -> Vec<Case> {
    let karras = TimeSpacing::Karras { rho: 7.0 };
    let churn = Churn::default();
    vec![
        Case {
            name: "ddim (η=0)",
            sampler: Sampler::Ddim(Ddim {
                eta: 0.0,
                final_alpha_one: true,
            }),
            spacing: TimeSpacing::LogSnrUniform,
            deterministic: true,
        },
        Case {
            name: "dpmpp-2m",
            sampler: Sampler::DpmSolverPp2m(DpmSolverPp2m),
            spacing: TimeSpacing::LogSnrUniform,
            deterministic: true,
        },
        Case {
            name: "euler",
            sampler: Sampler::Euler(Euler { churn }),
            spacing: karras,
            deterministic: true,
        },
        Case {
            name: "heun",
            sampler: Sampler::Heun(Heun { churn }),
            spacing: karras,
            deterministic: true,
        },
        Case {
            name: "flow-euler (ODE in t)",
            sampler: Sampler::FlowEuler(FlowEuler),
            spacing: TimeSpacing::Uniform,
            deterministic: true,
        },
        Case {
            name: "ddpm (ddim η=1)",
            sampler: Sampler::Ddim(Ddim {
                eta: 1.0,
                final_alpha_one: true,
            }),
            spacing: TimeSpacing::Uniform,
            deterministic: false,
        },
        Case {
            name: "euler-ancestral",
            sampler: Sampler::EulerAncestral(EulerAncestral { eta: 1.0 }),
            spacing: karras,
            deterministic: false,
        },
        Case {
            name: "dpmpp-2m-sde",
            sampler: Sampler::DpmSolverPp2mSde(DpmSolverPp2mSde),
            spacing: TimeSpacing::LogSnrUniform,
            deterministic: false,
        },
        Case {
            name: "em",
            sampler: Sampler::EulerMaruyama(EulerMaruyama),
            spacing: TimeSpacing::Uniform,
            deterministic: false,
        },
        Case {
            name: "pc (rd + langevin)",
            sampler: Sampler::PredictorCorrector(PredictorCorrector {
                predictor: Predictor::ReverseDiffusion,
                corrector_steps: 1,
                snr: 0.16,
            }),
            spacing: TimeSpacing::Uniform,
            deterministic: false,
        },
    ]
}

/// A 2-D mixture: six components on a ring (one correlated), uneven weights.
pub fn mixture_2d() -> GaussianMixture {
    let angles = [0.0f64, 1.0, 2.1, 3.0, 4.2, 5.3];
    let means: Vec<Vec<f64>> = angles
        .iter()
        .map(|a| vec![1.2 * a.cos(), 1.2 * a.sin()])
        .collect();
    let mut covs: Vec<Vec<f64>> = vec![vec![0.01, 0.0, 0.0, 0.01]; 6];
    covs[0] = vec![0.04, 0.03, 0.03, 0.04];
    covs[3] = vec![0.09, 0.0, 0.0, 0.005];
    GaussianMixture::new(&[0.3, 0.1, 0.15, 0.2, 0.1, 0.15], &means, &covs).unwrap()
}

/// A 16-D mixture of four anisotropic Gaussians.
pub fn mixture_16d() -> GaussianMixture {
    let dim = 16;
    let means: Vec<Vec<f64>> = (0..4)
        .map(|k| {
            (0..dim)
                .map(|i| 0.6 * (((k * 7 + i * 3) % 5) as f64 - 2.0) / 2.0)
                .collect()
        })
        .collect();
    let covs: Vec<Vec<f64>> = (0..4)
        .map(|k| {
            let mut c = vec![0.0; dim * dim];
            for i in 0..dim {
                let s = 0.08 + 0.1 * (((i + k) % 4) as f64) / 3.0;
                c[i * dim + i] = s * s;
            }
            c
        })
        .collect();
    GaussianMixture::new(&[0.4, 0.3, 0.2, 0.1], &means, &covs).unwrap()
}

/// Steps that give (at most) `nfe` network evaluations.
pub fn steps_for(sampler: &Sampler, nfe: usize) -> usize {
    match sampler {
        Sampler::Heun(Heun { .. }) => nfe.div_ceil(2),
        Sampler::PredictorCorrector(PredictorCorrector {
            corrector_steps, ..
        }) => nfe / (1 + corrector_steps),
        _ => nfe,
    }
}

/// Where the samplers start.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Exact samples of p_T in the sampler's coordinates (the table: discretisation error only).
    ExactPrior,
    /// The usual N(0, initial_std²) from the sampler's own noise (adds the prior mismatch).
    GaussianPrior,
}

/// Samples from the oracle with one sampler; returns the samples and the NFE used.
pub fn sample_from(
    case: &Case,
    mixture: &GaussianMixture,
    nfe: usize,
    n: usize,
    seed: u64,
    start: Start,
) -> (Vec<Vec<f64>>, usize) {
    let process = VpLinear::song_default();
    let model = MixtureDenoiser::new(mixture.clone(), process);
    let steps = steps_for(&case.sampler, nfe);
    let plan = case
        .sampler
        .plan(&model.process, steps, &PlanOptions::new(case.spacing))
        .unwrap();
    let device = Default::default();
    let noise = NoiseIdentity {
        seed,
        first_sample: 0,
    };
    let dim = mixture.dim();
    let run = Run::<Flex, _, 2>::new(&plan, &model, None, noise);
    let x = match start {
        Start::GaussianPrior => run.sample([n, dim], &device).unwrap(),
        Start::ExactPrior => {
            let m = plan.steps[0]
                .starts_at
                .expect("the first step starts on a marginal");
            let mut rng = SplitMix64::new(seed ^ 0x5eed);
            let x0 = mixture.sample(n, seed.wrapping_add(1_000_003));
            let state: Vec<f32> = x0
                .iter()
                .flatten()
                .map(|&v| (m.signal * v + m.noise * rng.standard_normal()) as f32)
                .collect();
            run.run_from(from_host(state, [n, dim], &device), 0)
                .unwrap()
        }
    };
    let flat = to_host(x);
    let rows = flat
        .chunks(dim)
        .map(|r| r.iter().map(|&v| v as f64).collect())
        .collect();
    (rows, plan.evaluations())
}

/// Samples from exact p_T starts (see [`Start::ExactPrior`]).
pub fn sample(
    case: &Case,
    mixture: &GaussianMixture,
    nfe: usize,
    n: usize,
    seed: u64,
) -> (Vec<Vec<f64>>, usize) {
    sample_from(case, mixture, nfe, n, seed, Start::ExactPrior)
}

/// Sliced W2 with 128 fixed directions.
pub fn distance(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    sliced_wasserstein2(a, b, 128, 7).unwrap()
}

/// Seeds of the exact reference sets.
const REFERENCE_SEEDS: [u64; 3] = [202, 303, 404];

/// Mean distance from a sample set to three exact sets of its size (averaging tames the noise
/// of a single comparison).
pub fn distance_to_exact(samples: &[Vec<f64>], mixture: &GaussianMixture) -> f64 {
    REFERENCE_SEEDS
        .iter()
        .map(|&s| distance(samples, &mixture.sample(samples.len(), s)))
        .sum::<f64>()
        / REFERENCE_SEEDS.len() as f64
}

/// The noise floor: [`distance_to_exact`] of one more exact set of size n.
pub fn floor(mixture: &GaussianMixture, n: usize) -> f64 {
    distance_to_exact(&mixture.sample(n, 101), mixture)
}

/// Distances per case and NFE, with the floor.
pub fn table(
    mixture: &GaussianMixture,
    nfes: &[usize],
    n: usize,
) -> (Vec<(&'static str, Vec<f64>)>, f64) {
    let rows = cases()
        .iter()
        .map(|case| {
            let d = nfes
                .iter()
                .map(|&nfe| distance_to_exact(&sample(case, mixture, nfe, n, 5).0, mixture))
                .collect();
            (case.name, d)
        })
        .collect();
    (rows, floor(mixture, n))
}
