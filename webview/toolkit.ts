/**
 * The only module that imports @vscode/webview-ui-toolkit (deprecated upstream): swap it here.
 * Registers the web components the inspector uses.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeBadge,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

export function registerToolkit(): void {
  provideVSCodeDesignSystem().register(
    vsCodeButton(),
    vsCodeTextField(),
    vsCodeDropdown(),
    vsCodeOption(),
    vsCodeCheckbox(),
    vsCodeBadge(),
  );
}

/** Tag names, so that other modules do not spell the toolkit's names. */
export const TAGS = {
  button: 'vscode-button',
  textField: 'vscode-text-field',
  dropdown: 'vscode-dropdown',
  option: 'vscode-option',
  checkbox: 'vscode-checkbox',
  badge: 'vscode-badge',
} as const;
