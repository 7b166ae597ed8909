// Small line icons drawn in SVG (emoji depend on the fonts a machine has), coloured by the text.
const base = {
  width: 16,
  height: 16,
  viewBox: "0 0 16 16",
  fill: "none",
  stroke: "currentColor",
  strokeWidth: 1.3,
  "aria-hidden": true,
} as const;

export function FolderIcon() {
  return (
    <svg {...base} className="icon icon-folder">
      <path d="M1.5 3.5h4l1.5 1.5h7.5v8h-13z" />
    </svg>
  );
}

export function FileIcon() {
  return (
    <svg {...base} className="icon">
      <path d="M3.5 1.5h6l3 3v10h-9z M9.5 1.5v3h3" />
    </svg>
  );
}

export function LinkIcon() {
  return (
    <svg {...base} className="icon">
      <path d="M6.5 9.5l3-3 M7 4.5l1.5-1.5a2.5 2.5 0 0 1 3.5 3.5L10.5 8 M9 11.5l-1.5 1.5a2.5 2.5 0 0 1-3.5-3.5L5.5 8" />
    </svg>
  );
}
