// Filled in as the suite grows: builds what every test file shares, once per run.
export default async function globalSetup(): Promise<void> {}
