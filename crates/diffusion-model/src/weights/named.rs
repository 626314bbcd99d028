//! Walks a burn module by parameter path: list names and shapes, export values, replace values.

use std::collections::BTreeMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::backend::Backend;
use burn::tensor::{Bool, Int, Tensor, TensorData};

use super::WeightProblem;

/// A tensor by state-dict key, as f32 values in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTensor {
    /// Shape.
    pub shape: Vec<usize>,
    /// Values, row-major.
    pub values: Vec<f32>,
}

/// A tensor holding NaN or infinite values: what loading and checkpointing refuse.
#[derive(Debug, Clone, PartialEq)]
pub struct NonFiniteTensor {
    /// The first such tensor, by state-dict key.
    pub name: String,
    /// How many of its values are not finite.
    pub count: usize,
    /// One of them.
    pub example: f32,
    /// How many tensors in all hold such values.
    pub tensors: usize,
}

impl std::fmt::Display for NonFiniteTensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "tensor `{}` has {} non-finite value(s) (such as {})",
            self.name, self.count, self.example
        )?;
        if self.tensors > 1 {
            write!(
                f,
                ", and {} other tensor(s) have some too",
                self.tensors - 1
            )?;
        }
        Ok(())
    }
}

/// The first tensor (in key order) with a NaN or infinite value, if any.
pub fn first_non_finite(tensors: &BTreeMap<String, NamedTensor>) -> Option<NonFiniteTensor> {
    let mut found: Option<NonFiniteTensor> = None;
    for (name, tensor) in tensors {
        let mut bad = tensor.values.iter().filter(|v| !v.is_finite());
        let Some(&example) = bad.next() else {
            continue;
        };
        match &mut found {
            Some(first) => first.tensors += 1,
            None => {
                found = Some(NonFiniteTensor {
                    name: name.clone(),
                    count: 1 + bad.count(),
                    example,
                    tensors: 1,
                })
            }
        }
    }
    found
}

#[derive(Default)]
struct Path(Vec<String>);

impl Path {
    fn enter(&mut self, name: &str) {
        self.0.push(name.to_string());
    }
    fn exit(&mut self) {
        self.0.pop();
    }
    fn key(&self) -> String {
        self.0.join(".")
    }
}

struct ShapeCollector {
    path: Path,
    shapes: BTreeMap<String, Vec<usize>>,
}

impl<B: Backend> ModuleVisitor<B> for ShapeCollector {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.enter(name);
    }
    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.exit();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        self.shapes
            .insert(self.path.key(), param.val().dims().to_vec());
    }
}

struct ValueCollector {
    path: Path,
    tensors: BTreeMap<String, NamedTensor>,
}

impl<B: Backend> ModuleVisitor<B> for ValueCollector {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.enter(name);
    }
    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.exit();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let tensor = param.val();
        let shape = tensor.dims().to_vec();
        let values = tensor
            .into_data()
            .convert::<f32>()
            .into_vec::<f32>()
            .expect("converted to f32");
        self.tensors
            .insert(self.path.key(), NamedTensor { shape, values });
    }
}

struct Replacer<'a, B: Backend> {
    path: Path,
    tensors: &'a mut BTreeMap<String, NamedTensor>,
    device: B::Device,
}

impl<B: Backend> ModuleMapper<B> for Replacer<'_, B> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.enter(name);
    }
    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.exit();
    }
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        match self.tensors.remove(&self.path.key()) {
            Some(named) => {
                let tensor =
                    Tensor::from_data(TensorData::new(named.values, named.shape), &self.device);
                let id = param.id;
                param.transform_for_load(tensor, id)
            }
            None => param,
        }
    }
    fn map_int<const D: usize>(
        &mut self,
        param: Param<Tensor<B, D, Int>>,
    ) -> Param<Tensor<B, D, Int>> {
        param
    }
    fn map_bool<const D: usize>(
        &mut self,
        param: Param<Tensor<B, D, Bool>>,
    ) -> Param<Tensor<B, D, Bool>> {
        param
    }
}

/// Every float parameter's state-dict key and shape, sorted by key.
pub fn named_shapes<B: Backend, M: Module<B>>(module: &M) -> BTreeMap<String, Vec<usize>> {
    let mut collector = ShapeCollector {
        path: Path::default(),
        shapes: BTreeMap::new(),
    };
    module.visit(&mut collector);
    collector.shapes
}

/// Every float parameter's values by state-dict key (reads them from the device).
pub fn named_tensors<B: Backend, M: Module<B>>(module: &M) -> BTreeMap<String, NamedTensor> {
    let mut collector = ValueCollector {
        path: Path::default(),
        tensors: BTreeMap::new(),
    };
    module.visit(&mut collector);
    collector.tensors
}

/// Every way the tensor shapes `found` (by key) disagree with the shapes a model `expected`:
/// missing and mis-shaped tensors in key order, then unexpected ones.
pub fn shape_problems(
    expected: &BTreeMap<String, Vec<usize>>,
    found: &BTreeMap<String, Vec<usize>>,
) -> Vec<WeightProblem> {
    let mut problems = Vec::new();
    for (name, shape) in expected {
        match found.get(name) {
            None => problems.push(WeightProblem::Missing {
                name: name.clone(),
                expected: shape.clone(),
            }),
            Some(f) if f != shape => problems.push(WeightProblem::Shape {
                name: name.clone(),
                expected: shape.clone(),
                found: f.clone(),
            }),
            Some(_) => {}
        }
    }
    for (name, shape) in found {
        if !expected.contains_key(name) {
            problems.push(WeightProblem::Unexpected {
                name: name.clone(),
                found: shape.clone(),
            });
        }
    }
    problems
}

/// Replaces every parameter of `module` by the tensor of the same key. The keys and shapes
/// must match exactly: otherwise nothing is replaced and every disagreement is returned.
pub fn apply_named_tensors<B: Backend, M: Module<B>>(
    module: M,
    mut tensors: BTreeMap<String, NamedTensor>,
    device: &B::Device,
) -> Result<M, Vec<WeightProblem>> {
    let expected = named_shapes::<B, M>(&module);
    let found: BTreeMap<String, Vec<usize>> = tensors
        .iter()
        .map(|(name, t)| (name.clone(), t.shape.clone()))
        .collect();
    let problems = shape_problems(&expected, &found);
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut replacer = Replacer {
        path: Path::default(),
        tensors: &mut tensors,
        device: device.clone(),
    };
    Ok(module.map(&mut replacer))
}
