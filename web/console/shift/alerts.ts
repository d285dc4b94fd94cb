import { el, setText } from '../../common/dom.js';
import { t } from '../i18n/index.js';

/**
 * The agent's opt-in alerts: a sound and desktop notifications (the Notification API). Both
 * start off; the browser's permission is asked only when the agent ticks the box, never on
 * load. The choice is kept in this browser (localStorage), the permission by the browser.
 */

const PREFS_KEY = 'atende.console.alerts';

interface AlertPrefs {
  sound: boolean;
  desktop: boolean;
}

export interface Alert {
  title: string;
  body: string;
  /** One notification per tag: a newer one replaces it. */
  tag: string;
  /** Where a click on the notification takes the agent. */
  hash?: string;
}

function readPrefs(): AlertPrefs {
  try {
    const stored = JSON.parse(localStorage.getItem(PREFS_KEY) ?? '{}') as Partial<AlertPrefs>;
    return { sound: stored.sound === true, desktop: stored.desktop === true };
  } catch {
    return { sound: false, desktop: false };
  }
}

const prefs = readPrefs();
let audio: AudioContext | undefined;

function savePrefs() {
  localStorage.setItem(PREFS_KEY, JSON.stringify(prefs));
}

function desktopAllowed(): boolean {
  return typeof Notification !== 'undefined' && Notification.permission === 'granted';
}

/** A short two-tone chime; the AudioContext is made on the agent's click, as browsers ask. */
function chime() {
  if (!audio) return;
  void audio.resume().catch(() => {});
  const now = audio.currentTime;
  for (const [offset, frequency] of [[0, 880], [0.16, 660]] as const) {
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.15, now + offset);
    gain.gain.exponentialRampToValueAtTime(0.001, now + offset + 0.15);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start(now + offset);
    oscillator.stop(now + offset + 0.16);
  }
}

/** Plays and shows an alert as the agent chose. */
export function raiseAlert(alert: Alert): void {
  if (prefs.sound) chime();
  if (prefs.desktop && desktopAllowed()) {
    const notification = new Notification(alert.title, { body: alert.body, tag: alert.tag });
    notification.onclick = () => {
      window.focus();
      if (alert.hash) location.hash = alert.hash;
      notification.close();
    };
  }
}

/** The header's "Alertas" menu: two checkboxes, each an opt-in. */
export function alertsMenu(): HTMLElement {
  const sound = el('input', { type: 'checkbox', id: 'alert-sound' });
  const desktop = el('input', { type: 'checkbox', id: 'alert-desktop' });
  const problem = el('p', { class: 'error', role: 'alert' });
  sound.checked = prefs.sound;
  desktop.checked = prefs.desktop && desktopAllowed();
  if (prefs.sound) audio = new AudioContext();

  sound.addEventListener('change', () => {
    prefs.sound = sound.checked;
    if (sound.checked) {
      audio ??= new AudioContext();
      chime();
    }
    savePrefs();
  });
  desktop.addEventListener('change', async () => {
    setText(problem, '');
    if (desktop.checked && typeof Notification !== 'undefined' && Notification.permission !== 'granted') {
      const permission = await Notification.requestPermission();
      if (permission !== 'granted') {
        desktop.checked = false;
        setText(problem, t.alerts.denied);
      }
    }
    prefs.desktop = desktop.checked;
    savePrefs();
  });
  return el(
    'details',
    { class: 'alerts' },
    el('summary', {}, t.alerts.menu),
    el(
      'div',
      { class: 'alerts-panel' },
      el('label', {}, sound, ' ', t.alerts.sound),
      el('label', {}, desktop, ' ', t.alerts.desktop),
      problem,
    ),
  );
}
