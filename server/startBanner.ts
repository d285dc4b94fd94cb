/** What a person starting a node in a terminal needs first (the JSON log is for collectors). */
export interface StartBannerFacts {
  /** Where people reach this node. */
  publicUrl: string;
  /** The bootstrap admin's token when this start created it (fresh database, no ADMIN_TOKEN): shown once. */
  generatedAdminToken?: string;
  /** Embedded PGlite (with its directory) or PostgreSQL. */
  database: { driver: 'pglite'; dataDir: string } | { driver: 'postgres' };
  redis: boolean;
}

/** The widget's script tag for a host page (PROTOCOL §6). */
export function widgetSnippet(publicUrl: string): string {
  return `<script src="${publicUrl}/widget.js" data-atende-url="${publicUrl}" data-locale="pt-BR" async></script>`;
}

/** A plain-text banner: demo page, console, widget snippet, and the admin token when there is a new one. */
export function startBanner(facts: StartBannerFacts): string {
  const { publicUrl } = facts;
  const row = (label: string, value: string) => `  ${label.padEnd(15)}${value}`;
  const lines = [
    '',
    `  Atende is running at ${publicUrl}`,
    '',
    row('Demo page', `${publicUrl}/`),
    row('Agent console', `${publicUrl}/console`),
    row('Widget', 'paste into the pages of your site:'),
    `    ${widgetSnippet(publicUrl)}`,
    '',
  ];
  if (facts.generatedAdminToken) {
    lines.push(
      row('Admin token', facts.generatedAdminToken),
      row('', 'shown this once: store it now. Sign in to the console with it;'),
      row('', 'a new one any time: npx atende admin rotate-token'),
    );
  } else {
    lines.push(row('Agents', 'sign in with an agent token; create one: npx atende agents create --name … --email …'));
  }
  lines.push(
    row('Database', facts.database.driver === 'pglite' ? `embedded (PGlite) in ${facts.database.dataDir}` : 'PostgreSQL (DATABASE_URL)'),
    row('Fan-out', facts.redis ? 'Redis (REDIS_URL): ready for more nodes' : 'this node only (set REDIS_URL to run several)'),
    '',
  );
  return lines.join('\n');
}
