const STEPS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500,
  1_000, 2_000, 5_000, 10_000, 15_000, 30_000,
  60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000,
  3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000, 604_800_000,
];

/** The tick step (ms) that puts at least `minPx` pixels between ticks. */
export function tickStep(msPerPx: number, minPx: number): number {
  for (const step of STEPS) if (step / msPerPx >= minPx) return step;
  return STEPS[STEPS.length - 1]!;
}

/** A tick label in UTC, as precise as the step needs (the CLI prints UTC too). */
export function tickLabel(ms: number, step: number): string {
  const iso = new Date(ms).toISOString();
  if (step >= 86_400_000) return iso.slice(0, 10);
  if (step >= 60_000) return iso.slice(11, 16);
  if (step >= 1_000) return iso.slice(11, 19);
  return iso.slice(11, 23);
}
