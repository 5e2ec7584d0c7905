/** @type {import('tailwindcss').Config} */
export default {
  content: ["./index.html", "./src/**/*.{ts,tsx}"],
  theme: {
    extend: {
      fontFamily: {
        sans: ["system-ui", "'DejaVu Sans'", "'Noto Sans'", "sans-serif"],
      },
    },
  },
  plugins: [],
};
