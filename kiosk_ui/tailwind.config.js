/** @type {import('tailwindcss').Config} */
export default {
  content: ["./index.html", "./src/**/*.{ts,tsx}"],
  theme: {
    extend: {
      fontFamily: {
        // Hindi labels need a Devanagari font on the kiosk (Debian: fonts-noto-core or fonts-lohit-deva).
        sans: ["system-ui", "'DejaVu Sans'", "'Noto Sans'", "'Noto Sans Devanagari'", "'Lohit Devanagari'", "sans-serif"],
      },
    },
  },
  plugins: [],
};
