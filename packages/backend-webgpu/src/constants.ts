/**
 * WebGPU's flag values (from the spec), so the package needs no GPUBufferUsage & co. globals:
 * Node's Dawn binding only exposes those through `globals`, which we leave alone.
 */
export const BUFFER_MAP_READ = 0x0001;
export const BUFFER_COPY_SRC = 0x0004;
export const BUFFER_COPY_DST = 0x0008;
export const BUFFER_UNIFORM = 0x0040;
export const BUFFER_STORAGE = 0x0080;
export const MAP_MODE_READ = 0x0001;
export const SHADER_STAGE_COMPUTE = 0x4;
