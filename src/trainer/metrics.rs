//! The metrics rings' readback: every step's (and test probe's) figures are copied back
//! asynchronously every few steps, so training never waits for the GPU.

use super::{METRIC_SLOTS, StepMetrics, TEST_SLOTS, Trainer};
use crate::error::Result;
use crate::gpu::PendingRead;

#[derive(Clone, Copy, PartialEq)]
pub(super) enum RingKind {
    Train,
    Test,
}

pub(super) struct MetricsRead {
    kind: RingKind,
    /// `step` value of each record, in order.
    steps: Vec<u64>,
    read: PendingRead,
}

impl Trainer {
    /// Starts an asynchronous copy of every metric record produced since the last request.
    pub fn request_metrics(&mut self) {
        let mut encoder = self.gpu.device.create_command_encoder(&Default::default());
        let mut reads = Vec::new();
        // Train ring, split where it wraps.
        let mut first = self.unrequested.max(self.step.saturating_sub(METRIC_SLOTS as u64));
        while first < self.step {
            let slot = first % METRIC_SLOTS as u64;
            let count = (self.step - first).min(METRIC_SLOTS as u64 - slot);
            let read = PendingRead::record(&self.gpu, &mut encoder, &self.metrics, slot * 16, count * 16);
            reads.push(MetricsRead { kind: RingKind::Train, steps: (first + 1..=first + count).collect(), read });
            first += count;
        }
        self.unrequested = self.step;
        // Test probes, one small copy each (they are rare).
        for (probe, step) in self.probes_unrequested.drain(..) {
            let slot = probe % TEST_SLOTS as u64;
            let read = PendingRead::record(&self.gpu, &mut encoder, &self.test_metrics, slot * 16, 16);
            reads.push(MetricsRead { kind: RingKind::Test, steps: vec![step], read });
        }
        if reads.is_empty() {
            return;
        }
        self.gpu.queue.submit([encoder.finish()]);
        for r in reads {
            r.read.start();
            self.pending.push_back(r);
        }
    }

    /// Metrics whose readback has completed, in order: (training steps, test probes).
    pub fn take_metrics(&mut self) -> Result<(Vec<StepMetrics>, Vec<StepMetrics>)> {
        self.gpu.poll();
        let (mut train, mut test) = (Vec::new(), Vec::new());
        while self.pending.front().is_some_and(|r| r.read.is_ready()) {
            let r = self.pending.pop_front().expect("checked");
            let bytes = r.read.take().expect("checked ready")?;
            let values: Vec<f32> = bytemuck::pod_collect_to_vec(&bytes);
            let out = if r.kind == RingKind::Train { &mut train } else { &mut test };
            for (record, &step) in values.chunks_exact(4).zip(&r.steps) {
                out.push(StepMetrics {
                    step,
                    recon: record[0],
                    kl: record[1],
                    objective: record[2],
                    kl_weight: record[3],
                });
            }
        }
        Ok((train, test))
    }

    /// Requests what is unread and waits (natively: blocks; in the browser: yields) until every
    /// pending metric has arrived.
    pub async fn flush_metrics(&mut self) -> Result<(Vec<StepMetrics>, Vec<StepMetrics>)> {
        self.request_metrics();
        let (mut train, mut test) = (Vec::new(), Vec::new());
        while !self.pending.is_empty() {
            self.gpu.poll_wait();
            let (a, b) = self.take_metrics()?;
            train.extend(a);
            test.extend(b);
            if !self.pending.is_empty() {
                crate::gpu::yield_now().await;
            }
        }
        Ok((train, test))
    }

    /// Metric reads still in flight.
    pub fn pending_reads(&self) -> usize {
        self.pending.len()
    }
}
