import { Component, type ReactNode } from "react";
import { useTranslation } from "react-i18next";

/** A page that fails while rendering shows a sentence, never a stack trace. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  override render() {
    return this.state.failed ? <Failed /> : this.props.children;
  }
}

function Failed() {
  const { t } = useTranslation();
  return (
    <div className="error" role="alert">
      <p>{t("errors.unknown")}</p>
    </div>
  );
}
