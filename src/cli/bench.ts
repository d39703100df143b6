export async function main(): Promise<void> { throw new Error("bench: not wired yet"); }
