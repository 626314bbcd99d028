//! Parameters by state-dict key as flat tensors: what the optimiser state, the EMA and the
//! gradient norm are keyed by, so they save under diffusers' names and survive a reload (burn's
//! parameter ids are fresh in every process).

use std::collections::BTreeMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::backend::Backend;
use burn::tensor::Tensor;

#[derive(Default)]
pub(crate) struct KeyPath(Vec<String>);

impl KeyPath {
    pub(crate) fn enter(&mut self, name: &str) {
        self.0.push(name.to_string());
    }
    pub(crate) fn exit(&mut self) {
        self.0.pop();
    }
    pub(crate) fn key(&self) -> String {
        self.0.join(".")
    }
}

struct FlatCollector<B: Backend> {
    path: KeyPath,
    out: BTreeMap<String, Tensor<B, 1>>,
}

impl<B: Backend> ModuleVisitor<B> for FlatCollector<B> {
    fn enter_module(&mut self, name: &str, _: &str) {
        self.path.enter(name);
    }
    fn exit_module(&mut self, _: &str, _: &str) {
        self.path.exit();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let t = param.val();
        let n = t.shape().num_elements();
        self.out.insert(self.path.key(), t.reshape([n]));
    }
}

/// Every float parameter of `module`, flattened, by key.
pub fn flat_params<B: Backend, M: Module<B>>(module: &M) -> BTreeMap<String, Tensor<B, 1>> {
    let mut c = FlatCollector {
        path: KeyPath::default(),
        out: BTreeMap::new(),
    };
    module.visit(&mut c);
    c.out
}

struct FlatMapper<'a, B: Backend, F: FnMut(&str, Tensor<B, 1>) -> Tensor<B, 1>> {
    path: KeyPath,
    f: &'a mut F,
    _backend: std::marker::PhantomData<B>,
}

impl<B: Backend, F: FnMut(&str, Tensor<B, 1>) -> Tensor<B, 1>> ModuleMapper<B>
    for FlatMapper<'_, B, F>
{
    fn enter_module(&mut self, name: &str, _: &str) {
        self.path.enter(name);
    }
    fn exit_module(&mut self, _: &str, _: &str) {
        self.path.exit();
    }
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let (id, tensor, mapper) = param.consume();
        let dims = tensor.dims();
        let n = tensor.shape().num_elements();
        let new = (self.f)(&self.path.key(), tensor.reshape([n])).reshape(dims);
        Param::from_mapped_value(id, new, mapper)
    }
}

/// Replaces every float parameter of `module` by `f(key, flat value)` (same length).
pub fn map_params<B: Backend, M: Module<B>, F: FnMut(&str, Tensor<B, 1>) -> Tensor<B, 1>>(
    module: M,
    mut f: F,
) -> M {
    let mut m = FlatMapper {
        path: KeyPath::default(),
        f: &mut f,
        _backend: std::marker::PhantomData,
    };
    module.map(&mut m)
}
