export function Logo({ className = "h-7 w-7" }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" className={className} aria-hidden="true">
      <rect width="32" height="32" rx="7" fill="#4f46e5" />
      <path d="M9 12.5c0-2 1.6-3.5 3.5-3.5h7c2 0 3.5 1.5 3.5 3.5V21c0 1.1-.9 2-2 2H11c-1.1 0-2-.9-2-2z" fill="none" stroke="#fff" strokeWidth="2" />
      <path d="M13 9V7.5M19 9V7.5M9 14h14" stroke="#fff" strokeWidth="2" strokeLinecap="round" />
      <circle cx="19.5" cy="18" r="1.6" fill="#fff" />
    </svg>
  );
}
