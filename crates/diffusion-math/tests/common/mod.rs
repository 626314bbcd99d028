//! Shared proptest strategies: every family with random, valid parameters.

#![allow(dead_code)]

use std::sync::Arc;

use diffusion_math::{
    Edm, ForwardProcess, OrnsteinUhlenbeck, RectifiedFlow, SubVp, Ve, VpCosine, VpLinear,
};
use proptest::prelude::*;

/// A family and its parameters, printable so proptest can report a failing case.
#[derive(Debug, Clone)]
pub enum FamilySpec {
    VpLinear(f64, f64),
    VpCosine(f64, f64),
    SubVp(f64, f64),
    Ve(f64, f64),
    Edm(f64),
    RectifiedFlow,
    OuConstant {
        g: f64,
        mean: f64,
        var: f64,
        t_max: f64,
    },
    OuVarying {
        a: f64,
        b: f64,
        c: f64,
        var: f64,
        t_max: f64,
    },
}

pub type Process = Arc<dyn ForwardProcess + Send + Sync>;

impl FamilySpec {
    pub fn build(&self) -> Process {
        match *self {
            Self::VpLinear(lo, hi) => Arc::new(VpLinear::new(lo, hi, 1.0).unwrap()),
            Self::VpCosine(offset, t_max) => Arc::new(VpCosine::new(offset, t_max).unwrap()),
            Self::SubVp(lo, hi) => Arc::new(SubVp::new(lo, hi, 1.0).unwrap()),
            Self::Ve(lo, hi) => Arc::new(Ve::new(lo, hi).unwrap()),
            Self::Edm(hi) => Arc::new(Edm::new(hi).unwrap()),
            Self::RectifiedFlow => Arc::new(RectifiedFlow),
            Self::OuConstant {
                g,
                mean,
                var,
                t_max,
            } => Arc::new(OrnsteinUhlenbeck::constant(g, mean, var, t_max).unwrap()),
            Self::OuVarying {
                a,
                b,
                c,
                var,
                t_max,
            } => Arc::new(
                OrnsteinUhlenbeck::new(move |t: f64| a + b * (c * t).sin(), 0.0, var, t_max)
                    .unwrap(),
            ),
        }
    }

    /// Largest time used in tests: the families singular at their end (rectified flow's
    /// f = −1/(1 − t)) are kept a little away from it.
    pub fn usable_t_max(&self) -> f64 {
        let p = self.build();
        match self {
            Self::RectifiedFlow => 0.99,
            _ => p.t_max(),
        }
    }
}

pub fn family() -> impl Strategy<Value = FamilySpec> {
    prop_oneof![
        (0.01f64..1.0, 2.0f64..30.0).prop_map(|(a, b)| FamilySpec::VpLinear(a, b)),
        (0.001f64..0.05, 0.5f64..0.995).prop_map(|(a, b)| FamilySpec::VpCosine(a, b)),
        (0.01f64..1.0, 2.0f64..30.0).prop_map(|(a, b)| FamilySpec::SubVp(a, b)),
        (0.001f64..0.1, 1.0f64..100.0).prop_map(|(a, b)| FamilySpec::Ve(a, b)),
        (1.0f64..100.0).prop_map(FamilySpec::Edm),
        Just(FamilySpec::RectifiedFlow),
        (0.2f64..3.0, -2.0f64..2.0, 0.2f64..4.0, 0.5f64..3.0).prop_map(|(g, mean, var, t_max)| {
            FamilySpec::OuConstant {
                g,
                mean,
                var,
                t_max,
            }
        }),
        (
            0.5f64..2.0,
            -0.4f64..0.4,
            0.5f64..6.0,
            0.2f64..4.0,
            0.5f64..2.0
        )
            .prop_map(|(a, b, c, var, t_max)| FamilySpec::OuVarying {
                a,
                b,
                c,
                var,
                t_max
            }),
    ]
}

/// A family and a time in the interior of its usable domain.
pub fn family_and_time() -> impl Strategy<Value = (FamilySpec, f64)> {
    family().prop_flat_map(|f| {
        let hi = f.usable_t_max();
        (Just(f), (0.001f64..1.0).prop_map(move |u| u * hi))
    })
}

/// `|a − b| ≤ rel·|b| + abs`.
pub fn close(a: f64, b: f64, rel: f64, abs: f64) -> bool {
    (a - b).abs() <= rel * b.abs() + abs
}
