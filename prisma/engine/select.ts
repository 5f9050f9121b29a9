// Placeholder until the Wasm schema engine adapter lands.
export function useWasmSchemaEngineWhenNoNativeOne(): void {}
