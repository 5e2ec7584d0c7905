// Hindi labels without a library: English text is the key, a small dictionary gives the Hindi, and a
// text missing from it stays English. The choice is kept per browser (a gate terminal can be Hindi while
// the office stays English).

import { useSyncExternalStore } from "react";

export type Lang = "en" | "hi";
export const LANGS: readonly Lang[] = ["en", "hi"];

const HI: Record<string, string> = {
  // header and menus
  "Back office": "बैक ऑफिस",
  HR: "एचआर",
  Reports: "रिपोर्ट",
  Dashboard: "डैशबोर्ड",
  "GST returns": "जीएसटी रिटर्न",
  "Attendance terminal": "हाज़िरी टर्मिनल",
  "Customer display": "ग्राहक डिस्प्ले",
  "Log out": "लॉग आउट",
  Till: "काउंटर",
  Products: "सामान",
  Customers: "ग्राहक",
  Invoices: "बिल",
  Register: "कैश रजिस्टर",
  Devices: "उपकरण",
  "Cloud sync": "क्लाउड सिंक",
  Users: "उपयोगकर्ता",
  Attendance: "हाज़िरी",
  "Punch corrections": "पंच सुधार",
  Leave: "छुट्टी",
  Payroll: "वेतन",
  "Monthly register": "मासिक रजिस्टर",
  Employees: "कर्मचारी",
  // attendance terminal
  "Tap your badge — or type your code and PIN": "अपना बैज लगाएँ — या अपना कोड और पिन डालें",
  "Employee code": "कर्मचारी कोड",
  PIN: "पिन",
  IN: "अंदर",
  OUT: "बाहर",
  PUNCH: "पंच",
  "already recorded": "पहले ही दर्ज है",
  "wrong employee code or PIN": "कर्मचारी कोड या पिन गलत है",
};

const DICTIONARIES: Record<Lang, Record<string, string>> = { en: {}, hi: HI };
const KEY = "kiosk:lang";
const listeners = new Set<() => void>();

function stored(): Lang {
  try {
    const value = localStorage.getItem(KEY);
    return value === "hi" ? "hi" : "en";
  } catch {
    return "en";
  }
}

let current: Lang = typeof localStorage === "undefined" ? "en" : stored();

/** The text in a language (English when the dictionary has no entry). */
export function translate(text: string, lang: Lang): string {
  return DICTIONARIES[lang][text] ?? text;
}

export function setLang(lang: Lang): void {
  current = lang;
  try {
    localStorage.setItem(KEY, lang);
  } catch {
    // storage disabled: this page view only
  }
  for (const listener of listeners) listener();
}

/** The chosen language and a translator for it; components re-render when it changes. */
export function useT(): { lang: Lang; t: (text: string) => string } {
  const lang = useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
    () => "en" as Lang,
  );
  return { lang, t: (text: string) => translate(text, lang) };
}

/** A button switching English ⇄ हिंदी. */
export function nextLang(lang: Lang): Lang {
  return lang === "en" ? "hi" : "en";
}
