/** What one scenario found: its tables in Markdown, and the figures the summary compares. */
export interface ScenarioReport {
  id: string;
  title: string;
  /** How it was measured, in a few sentences. */
  method: string;
  /** Markdown blocks (tables, notes), in order. */
  sections: string[];
  /** Headline figures, also checked by the harness test. */
  figures: Record<string, number>;
  /** Figures by load (x = sockets or messages in flight), for the growth tables. */
  series?: Record<string, Array<{ x: number; y: number; p99?: number }>>;
  skipped?: string;
}

export function skipped(id: string, title: string, reason: string): ScenarioReport {
  return { id, title, method: '', sections: [], figures: {}, skipped: reason };
}

/** BENCHMARKS.md: how it was run, the machine, each scenario's method and tables, the analysis. */
export function renderDocument(input: { reports: ScenarioReport[]; machine: string; command: string; minutes: number; analysis: string }): string {
  return [
    '# Atende benchmarks',
    '',
    `Written by \`${input.command}\` in ${input.minutes.toFixed(1)} min. ` +
      'Each scenario runs its baseline in the same run, on the same machine, so the ratios hold better than the absolute figures. ' +
      'Servers and load generators each run in their own process.',
    '',
    '## Machine',
    '',
    input.machine,
    '',
    ...input.reports.flatMap((report) => [
      `## ${report.title}`,
      '',
      ...(report.skipped ? [`Not measured: ${report.skipped}`, ''] : [report.method, '', ...report.sections.flatMap((s) => [s, ''])]),
    ]),
    input.analysis,
  ].join('\n');
}
