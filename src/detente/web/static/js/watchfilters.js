// Which messages a watch filter shows.

export function filterMessages(messages, filter) {
  switch (filter) {
    case "in":
    case "out":
      return messages.filter((m) => m.direction === filter);
    case "awaiting":
      return messages.filter((m) => m.due_at !== null && m.state !== "acknowledged");
    default:
      return messages;
  }
}
