//! Keys made ahead of time. Generating an RSA key costs the emulator about 10 ms of CPU, which
//! on a small machine competes with the client under test; a benchmark fills the pool before
//! its clock starts so that it measures the client, not the emulator's key generation. Each key
//! is handed out once, so every certificate still gets its own key, as in Key Vault.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::error::PkiError;
use crate::pki::{KeyMaterial, KeySpec};

#[derive(Default)]
pub struct KeyPool {
    keys: Mutex<HashMap<KeySpec, Vec<Arc<KeyMaterial>>>>,
}

impl KeyPool {
    /// A key made earlier for `spec`, if one is left.
    pub fn take(&self, spec: KeySpec) -> Option<Arc<KeyMaterial>> {
        self.keys.lock().get_mut(&spec).and_then(Vec::pop)
    }

    /// How many keys of `spec` are waiting.
    pub fn len(&self, spec: KeySpec) -> usize {
        self.keys.lock().get(&spec).map_or(0, Vec::len)
    }

    pub fn is_empty(&self, spec: KeySpec) -> bool {
        self.len(spec) == 0
    }

    /// Makes `count` keys of `spec` on `threads` OS threads (blocking: call it before serving
    /// the load it is for, or from `spawn_blocking`).
    pub fn fill(&self, spec: KeySpec, count: usize, threads: usize) -> Result<(), PkiError> {
        let threads = threads.clamp(1, count.max(1));
        let made: Vec<Result<Vec<Arc<KeyMaterial>>, PkiError>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|i| {
                    let share = count / threads + usize::from(i < count % threads);
                    scope.spawn(move || {
                        (0..share)
                            .map(|_| KeyMaterial::generate(spec))
                            .collect::<Result<Vec<_>, _>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("key generation thread"))
                .collect()
        });
        let mut keys = self.keys.lock();
        let slot = keys.entry(spec).or_default();
        for batch in made {
            slot.extend(batch?);
        }
        Ok(())
    }
}
