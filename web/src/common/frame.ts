/** Repainting from a worker's latest state once per animation frame, however many messages come in between. */
export class FrameScheduler {
  private frame = 0;

  constructor(private readonly paint: () => void) {}

  /** Paints at the next animation frame (once, however often it is asked before then). */
  request(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.paint();
    });
  }

  /** Drops a paint not yet done (the page is leaving). */
  cancel(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
  }
}
