import type { ReactNode } from "react";
import {
  Button,
  Checkbox,
  CheckboxGroup,
  FieldError,
  Input,
  Label,
  ListBox,
  ListBoxItem,
  Popover,
  Select,
  SelectValue,
  TextArea,
  TextField,
} from "react-aria-components";
import { useTranslation } from "react-i18next";
import { PERSONAL_INPUT } from "../privacy/gate";

interface TextProps {
  /** The field's name in the service's document: `data-field`, for tests and styles. */
  field?: string;
  label: string;
  value: string;
  onChange(v: string): void;
  personal?: boolean;
  required?: boolean;
  multiline?: boolean;
  type?: "text" | "date" | "number" | "tel";
  max?: string;
  min?: string;
  pattern?: string;
  description?: string;
}

export function TextInput({ field, label, value, onChange, personal, required, multiline, type = "text", max, min, pattern }: TextProps) {
  const extra = personal ? PERSONAL_INPUT : { autoComplete: "off" };
  return (
    <TextField className="field" data-field={field} value={value} onChange={onChange} isRequired={required} type={type === "number" ? "text" : type}>
      <Label>
        {label}
        {personal ? <PersonalMark /> : null}
      </Label>
      {multiline ? (
        <TextArea {...extra} rows={3} />
      ) : (
        <Input
          {...extra}
          max={max}
          min={min}
          pattern={pattern}
          inputMode={type === "number" ? "numeric" : undefined}
        />
      )}
      <FieldError />
    </TextField>
  );
}

function PersonalMark() {
  const { t } = useTranslation();
  return <span className="personal-mark"> ({t("privacy.personalField")})</span>;
}

interface SelectProps<K extends string> {
  field?: string;
  label: string;
  options: readonly K[];
  value: NoInfer<K> | null;
  onChange(v: NoInfer<K>): void;
  labelOf(k: string): string;
  required?: boolean;
  placeholder?: string;
}

export function SelectField<K extends string>({ field, label, options, value, onChange, labelOf, required, placeholder }: SelectProps<K>) {
  const { t } = useTranslation();
  return (
    <Select
      className="field"
      data-field={field}
      selectedKey={value}
      onSelectionChange={(k) => k !== null && onChange(String(k) as K)}
      isRequired={required}
      placeholder={placeholder ?? t("common.choose")}
    >
      <Label>{label}</Label>
      <Button className="select-button">
        <SelectValue />
        <span aria-hidden="true">▾</span>
      </Button>
      <FieldError />
      <Popover className="popover">
        <ListBox className="listbox">
          {options.map((o) => (
            <ListBoxItem key={o} id={o} className="option" textValue={labelOf(o)}>
              {labelOf(o)}
            </ListBoxItem>
          ))}
        </ListBox>
      </Popover>
    </Select>
  );
}

interface ChecksProps<K extends string> {
  field?: string;
  label: string;
  options: readonly K[];
  value: NoInfer<K>[];
  onChange(v: NoInfer<K>[]): void;
  labelOf(k: string): string;
}

export function Checks<K extends string>({ field, label, options, value, onChange, labelOf }: ChecksProps<K>) {
  return (
    <CheckboxGroup className="field checks" data-field={field} value={value} onChange={(v) => onChange(v as K[])}>
      <Label>{label}</Label>
      <div className="check-row">
        {options.map((o) => (
          <Checkbox key={o} value={o} className="check">
            <span className="box" aria-hidden="true" />
            {labelOf(o)}
          </Checkbox>
        ))}
      </div>
    </CheckboxGroup>
  );
}

export function Row({ children }: { children: ReactNode }) {
  return <div className="row">{children}</div>;
}

export function toInt(s: string): number | undefined {
  const n = Number.parseInt(s, 10);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}
