import { configureStore, type ThunkAction, type UnknownAction } from "@reduxjs/toolkit";
import { api } from "../api/api";
import { displayReducer } from "./displaySlice";
import { paymentsReducer } from "./paymentsSlice";
import { posReducer } from "./posSlice";

export function makeStore() {
  return configureStore({
    reducer: { [api.reducerPath]: api.reducer, pos: posReducer, display: displayReducer, payments: paymentsReducer },
    middleware: (getDefault) => getDefault().concat(api.middleware),
  });
}

export const store = makeStore();
export type AppStore = ReturnType<typeof makeStore>;
export type RootState = ReturnType<AppStore["getState"]>;
export type AppDispatch = AppStore["dispatch"];
export type AppThunk<R = void> = ThunkAction<R, RootState, undefined, UnknownAction>;
