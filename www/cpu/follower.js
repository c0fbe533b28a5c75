// A CPU engine follower (a module Web Worker): one wasm instance running one shard of the batch.
// The leader sends it the parameters and its rows each step; it answers with row stats and partials.
let follower = null;

/** Packs the shard's gradient partials for the leader (transferred, not copied). */
function partials() {
  const blocks = follower.blocks();
  return { blocks, units: follower.block_units(), transfer: [blocks.buffer] };
}

function handle(msg) {
  switch (msg.op) {
    case 'forward': {
      const { params, record, input, known } = msg;
      const stats = follower.forward(params, record, input.firstRow, input.bytes, input.imageIndex, input.labels,
        input.nImages, known ?? undefined);
      if (known === undefined || known === null) return { stats, transfer: [stats.buffer] };
      const p = partials();
      return { stats, blocks: p.blocks, units: p.units, transfer: [stats.buffer, ...p.transfer] };
    }
    case 'backward':
      follower.backward(msg.klWeight);
      return partials();
    case 'config':
      follower.set_config(msg.config);
      return {};
    default:
      throw new Error(`follower: unknown request ${msg.op}`);
  }
}

self.onmessage = async ({ data }) => {
  // The first message carries the compiled wasm, this shard's place, and the port to the leader.
  const { moduleUrl, module, config, workers, index, port } = data;
  try {
    const wasm = await import(moduleUrl);
    await wasm.default({ module_or_path: module });
    follower = new wasm.CpuFollower(config, workers, index);
  } catch (e) {
    port.postMessage({ error: `CPU worker ${index} did not start: ${e.message ?? e}` });
    return;
  }
  port.onmessage = ({ data: msg }) => {
    try {
      const { transfer = [], ...reply } = handle(msg);
      port.postMessage(reply, transfer);
    } catch (e) {
      port.postMessage({ error: `CPU worker ${index}: ${e.message ?? e}` });
    }
  };
  port.postMessage({ ready: true });
};
