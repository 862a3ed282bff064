import { LabIcon } from '@jupyterlab/ui-components';

/** Two arrows swapping places: the "switcheroo". Colours follow the theme. */
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M7 7h10.17l-2.58-2.59L16 3l5 5-5 5-1.41-1.41L17.17 9H7z"/>
    <path d="M17 17H6.83l2.58 2.59L8 21l-5-5 5-5 1.41 1.41L6.83 15H17z"/>
  </g>
</svg>`;

export const switcherooIcon = new LabIcon({ name: 'switcheroo:icon', svgstr: svg });
