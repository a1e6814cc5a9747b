//! What Linux says about this process: memory high-water mark and CPU time, per thread name.

use std::collections::BTreeMap;

/// Clock ticks per second of `/proc/*/stat` times (`USER_HZ`, 100 on every Linux we run on).
const TICKS_PER_SEC: f64 = 100.0;

/// A field of `/proc/self/status` in MB (the file gives kB).
fn status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// Peak resident set size so far (`VmHWM`), MB.
pub(crate) fn peak_rss_mb() -> f64 {
    status_mb("VmHWM:")
}

/// Resident set size now (`VmRSS`), MB.
pub(crate) fn rss_mb() -> f64 {
    status_mb("VmRSS:")
}

/// `(comm, utime + stime in seconds)` of a `/proc/.../stat` line. The name is in parentheses
/// and may itself contain spaces or parentheses, so split at the last `)`.
fn parse_stat(line: &str) -> Option<(String, f64)> {
    let open = line.find('(')?;
    let close = line.rfind(')')?;
    let comm = line.get(open + 1..close)?.to_string();
    // After ")": state is field 3; utime and stime are fields 14 and 15.
    let rest: Vec<&str> = line.get(close + 1..)?.split_whitespace().collect();
    let utime: f64 = rest.get(11)?.parse().ok()?;
    let stime: f64 = rest.get(12)?.parse().ok()?;
    Some((comm, (utime + stime) / TICKS_PER_SEC))
}

/// CPU seconds used so far: the whole process (threads that ended included) and the live
/// threads grouped by name.
#[derive(Debug, Clone, Default)]
pub(crate) struct CpuSnapshot {
    pub(crate) process: f64,
    pub(crate) by_thread_name: BTreeMap<String, f64>,
}

impl CpuSnapshot {
    pub(crate) fn take() -> Self {
        let process = std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|s| parse_stat(&s))
            .map(|(_, t)| t)
            .unwrap_or(0.0);
        let mut by_thread_name = BTreeMap::new();
        if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
            for task in tasks.flatten() {
                let Ok(line) = std::fs::read_to_string(task.path().join("stat")) else {
                    continue;
                };
                if let Some((comm, t)) = parse_stat(&line) {
                    *by_thread_name.entry(group_name(&comm)).or_insert(0.0) += t;
                }
            }
        }
        Self {
            process,
            by_thread_name,
        }
    }

    /// CPU seconds used between `earlier` and `self`, per thread group, with what live
    /// threads do not account for (threads that ended) as `other (ended threads)`.
    pub(crate) fn since(&self, earlier: &CpuSnapshot) -> CpuSnapshot {
        let mut by_thread_name = BTreeMap::new();
        let mut accounted = 0.0;
        for (name, t) in &self.by_thread_name {
            let d = t - earlier.by_thread_name.get(name).copied().unwrap_or(0.0);
            if d > 0.0 {
                accounted += d;
                by_thread_name.insert(name.clone(), d);
            }
        }
        let process = self.process - earlier.process;
        let rest = process - accounted;
        if rest > 0.005 {
            by_thread_name.insert("other (ended threads)".into(), rest);
        }
        Self {
            process,
            by_thread_name,
        }
    }
}

/// The machine's CPU time so far (`/proc/stat`), seconds summed over cores: busy and all.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct MachineCpu {
    pub(crate) busy: f64,
    pub(crate) total: f64,
}

impl MachineCpu {
    pub(crate) fn take() -> Self {
        let line = std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|s| s.lines().next().map(str::to_string))
            .unwrap_or_default();
        let ticks: Vec<f64> = line
            .split_whitespace()
            .skip(1)
            .filter_map(|t| t.parse().ok())
            .collect();
        // user nice system idle iowait irq softirq steal (guest time is inside user).
        let total: f64 = ticks.iter().take(8).sum();
        let idle = ticks.get(3).copied().unwrap_or(0.0) + ticks.get(4).copied().unwrap_or(0.0);
        Self {
            busy: (total - idle) / TICKS_PER_SEC,
            total: total / TICKS_PER_SEC,
        }
    }

    pub(crate) fn since(&self, earlier: &MachineCpu) -> MachineCpu {
        MachineCpu {
            busy: self.busy - earlier.busy,
            total: self.total - earlier.total,
        }
    }
}

/// Thread names without their numeric suffix (`sqlx-sqlite-worker-3` → `sqlx-sqlite-worker`).
fn group_name(comm: &str) -> String {
    comm.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_are_parsed_at_the_last_parenthesis() {
        let line = "1234 (odd) name) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 4 0 100";
        let (comm, t) = parse_stat(line).unwrap();
        assert_eq!(comm, "odd) name");
        assert!((t - 3.0).abs() < 1e-9, "{t}");
    }

    #[test]
    fn thread_names_are_grouped() {
        assert_eq!(group_name("sqlx-sqlite-worker-3"), "sqlx-sqlite-worker");
        assert_eq!(group_name("emulator-rt"), "emulator-rt");
        assert_eq!(group_name("tokio-runtime-w"), "tokio-runtime-w");
    }

    #[test]
    fn this_process_has_a_cpu_time_and_a_peak() {
        let s = CpuSnapshot::take();
        assert!(!s.by_thread_name.is_empty());
        assert!(peak_rss_mb() > 0.0 && rss_mb() > 0.0);
    }
}
